// Architectural constants of the i686 integer CPU: EFLAGS bits, CR0/CR4 bits, segment and register indices,
// exception vectors (Intel SDM vol. 3A ch. 2, 3, 6).

/** EFLAGS bits. */
export const CF = 0x1
export const PF = 0x4
export const AF = 0x10
export const ZF = 0x40
export const SF = 0x80
export const TF = 0x100
export const IF = 0x200
export const DF = 0x400
export const OF = 0x800
export const IOPL = 0x3000
export const NT = 0x4000
export const RF = 0x10000
export const VM = 0x20000
export const AC = 0x40000
export const VIF = 0x80000
export const VIP = 0x100000
export const ID = 0x200000
/** The six arithmetic status flags that may be computed lazily. */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF
/** Every EFLAGS bit an i686 lets software change (bit 1 always reads 1). */
export const EFLAGS_WRITABLE = ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID

/** CR0 bits. */
export const CR0_PE = 0x1
export const CR0_MP = 0x2
export const CR0_EM = 0x4
export const CR0_TS = 0x8
export const CR0_ET = 0x10
export const CR0_NE = 0x20
export const CR0_WP = 0x10000
export const CR0_AM = 0x40000
export const CR0_NW = 0x20000000
export const CR0_CD = 0x40000000
export const CR0_PG = 0x80000000 | 0

/** CR4 bits implemented. */
export const CR4_VME = 0x1
export const CR4_PVI = 0x2
export const CR4_TSD = 0x4
export const CR4_DE = 0x8
export const CR4_PSE = 0x10
export const CR4_PAE = 0x20
export const CR4_PGE = 0x80
export const CR4_PCE = 0x100
export const CR4_OSFXSR = 0x200
export const CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR

/** Segment register indices in the segment arrays (LDTR and TR share them for their hidden parts). */
export const ES = 0
export const CS = 1
export const SS = 2
export const DS = 3
export const FS = 4
export const GS = 5
export const LDTR = 6
export const TR = 7

/** General register indices (32-bit). */
export const EAX = 0
export const ECX = 1
export const EDX = 2
export const EBX = 3
export const ESP = 4
export const EBP = 5
export const ESI = 6
export const EDI = 7

/** Exception vectors. */
export const DE = 0
export const DB = 1
export const NMI_VECTOR = 2
export const BP = 3
export const OF_VECTOR = 4
export const BR = 5
export const UD = 6
export const NM = 7
export const DF_VECTOR = 8
export const TS = 10
export const NP = 11
export const SS_VECTOR = 12
export const GP = 13
export const PF_VECTOR = 14
export const MF = 16
export const AC_VECTOR = 17

/**
 * Segment attribute word as kept in the hidden part: bits 0–7 = descriptor byte 5 (type, S, DPL, P),
 * bits 12–15 = the flags nibble of byte 6 (AVL, L, D/B, G).
 */
export const ATTR_ACCESSED = 0x1
export const ATTR_WRITABLE = 0x2 // data: writable; code: readable
export const ATTR_EXPAND_DOWN = 0x4 // data; code: conforming
export const ATTR_CODE = 0x8
export const ATTR_S = 0x10
export const ATTR_P = 0x80
export const ATTR_DB = 0x4000
export const ATTR_G = 0x8000

/** MSR numbers. */
export const MSR_TSC = 0x10
export const MSR_APIC_BASE = 0x1b
/** IA32_BIOS_SIGN_ID (P6 BIOS update signature): the loaded microcode revision in bits 63:32 (SDM vol. 3A 9.11.7). */
export const MSR_BIOS_SIGN_ID = 0x8b
export const MSR_MTRRCAP = 0xfe
export const MSR_SYSENTER_CS = 0x174
export const MSR_SYSENTER_ESP = 0x175
export const MSR_SYSENTER_EIP = 0x176
export const MSR_PAT = 0x277
export const MSR_MTRR_DEF_TYPE = 0x2ff
/** P6-family performance counters and their event selects (Intel SDM vol. 3B 19.6.1, 18.22). */
export const MSR_PERFCTR0 = 0xc1
export const MSR_PERFCTR1 = 0xc2
export const MSR_PERFEVTSEL0 = 0x186
export const MSR_PERFEVTSEL1 = 0x187
/** P6 performance counters are 40 bits wide. */
export const PERFCTR_RANGE = 2 ** 40
/** IA32_EFER (Intel SDM vol. 3A 2.2.1, 4.1.1): only NXE exists on a CPU without long mode and SYSCALL. */
export const MSR_EFER = 0xc0000080
export const EFER_NXE = 0x800
