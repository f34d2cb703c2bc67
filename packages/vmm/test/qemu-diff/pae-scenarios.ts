// PAE paging scenarios for the QEMU differential tests (Intel SDM vol. 3A 4.4–4.8), plus CR3 read-back and the
// 32-bit walk order (PDE accessed before the PTE is checked): 4 KB and 2 MB pages, A/D
// bits, not-present and reserved-bit faults, execute-disable (EFER.NXE, XD in PTEs and 2 MB PDEs) with the I/D
// error-code bit, user/supervisor and CR0.WP, INVLPG and CR3 reloads. QEMU's TCG walks the PDPT from memory on
// every miss instead of caching the four PDPTE registers, so scenarios never change a PDPTE without reloading
// CR3, and the #GP for reserved PDPTE bits at MOV CR3 is unit-tested (test/cpu/pae-paging.test.ts).
// QEMU 7.2's TCG also leaves the P bit out of reserved-bit #PF error codes (it reports 8 where the SDM, 4.7, and
// hardware report 9: every entry on the way was present); those scenarios are marked `rsvd` and compared with P
// added to QEMU's code.
import type { CaseDump } from './dumps'
import type { Scenario } from './scenarios'

/** A PAE scenario; `rsvd` marks a reserved-bit fault (see above). */
export interface PaeScenario extends Scenario {
  readonly rsvd?: boolean
}

/**
 * Adds P to QEMU's error code in the dumps of the `rsvd` scenarios (see above) and returns the names of those that
 * did not fault with #PF at all, which must be none.
 */
export function addPresentToQemuRsvd(scenarios: readonly PaeScenario[], dumps: CaseDump[]): string[] {
  const missing: string[] = []
  scenarios.forEach((s, i) => {
    const d = dumps[i]
    if (s.rsvd !== true || d === undefined) return
    if (d.vector !== 'e') missing.push(s.name)
    else d.error = (Number.parseInt(d.error!, 16) | 1).toString(16)
  })
  return missing
}

/** QEMU CPU model for these scenarios: pentium3 has PAE; `+nx` makes EFER.NXE writable. */
export const PAE_QEMU_CPU = 'pentium3,+nx'

/**
 * Macros for the cases. PAE_ON: PDPT at 0x22000 (entry 0 → PD 0x23000); PD[0] → PT 0x24000 identity-mapping
 * 0–2 MB with user-writable 4 KB pages; PD[1] a 2 MB identity page at 2 MB; PD[2] → PT 0x25000 (empty: cases map
 * linear 0x400000–0x5FFFFF there); PD[3] (linear 0x600000) left for cases. SET_EFER v: EFER = v (NXE = 0x800).
 */
export const PAE_MACROS = `
%macro PAE_ON 0
  mov edi, 0x22000
  xor eax, eax
  mov ecx, 0x4000 / 4
  rep stosd
  mov dword [0x22000], 0x23001
  mov dword [0x23000], 0x24007
  mov edi, 0x24000
  mov eax, 7
  mov ecx, 512
%%l:
  mov [edi], eax
  add edi, 8
  add eax, 0x1000
  loop %%l
  mov dword [0x23008], 0x200087
  mov dword [0x23010], 0x25007
  mov eax, cr4
  or eax, 0x20
  mov cr4, eax
  mov eax, 0x22000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
%endmacro
%macro SET_EFER 1
  mov ecx, 0xc0000080
  xor edx, edx
  mov eax, %1
  wrmsr
%endmacro
`

const c = (name: string, body: string, rsvd = false): PaeScenario => ({
  name,
  asm: `; ${name}\n  CASE_BEGIN\n${body}\n  CASE_END`,
  rsvd,
})

/** PTE/PDE slots (physical addresses) the cases write. */
const PT1 = 0x25000
const PD3 = 0x23018

export const PAE_SCENARIOS: readonly PaeScenario[] = [
  c(
    '32-bit paging: a not-present PTE faults after the walk marked its PDE accessed',
    `  PAGING_ON
  mov dword [0x21000 + 0x210 * 4], 0
  mov eax, [0x210000]`,
  ),
  c(
    '32-bit paging: the PDE of the last case has its accessed bit (read with paging off)',
    `  mov eax, [0x20000]
  mov [DATA + 0x38], eax`,
  ),
  c(
    'CR3 keeps every bit written (paging off), as MOV from CR3 shows',
    `  mov eax, 0x12345fff
  mov cr3, eax
  mov ebx, cr3
  mov [DATA + 0x3c], ebx
  xor eax, eax
  mov cr3, eax`,
  ),
  c(
    'PAE: the PDPT is only 32-byte aligned (CR3 bits 11:5 select it)',
    `  SET_EFER 0
  PAE_ON
  mov dword [0x22060], 0x23001
  mov dword [0x22064], 0
  mov dword [0x22068], 0x23001
  mov dword [0x2206c], 0
  mov dword [${PT1}], 0x8003
  mov eax, 0x22060
  mov cr3, eax
  mov eax, [0x40000000 + 0x400000 + 0x3c]
  mov ebx, cr3`,
  ),
  c(
    'PAE: 4 KB pages (two linear pages on one frame), A/D bits in the PTEs and the PDE',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PT1}], 0x8003
  mov dword [${PT1 + 8}], 0x8001
  mov eax, [0x400010]
  mov dword [0x400020], 0x12345678
  mov ebx, [0x401020]
  mov ecx, [${PT1}]
  mov [DATA], ecx
  mov ecx, [${PT1 + 8}]
  mov [DATA + 4], ecx
  mov ecx, [0x23010]
  mov [DATA + 8], ecx
  mov [DATA + 12], ebx`,
  ),
  c(
    'PAE: 2 MB page maps 6 MB to 0; A/D bits in the PDE',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PD3}], 0x83
  mov dword [${PD3 + 4}], 0
  mov eax, [0x600000 + DATA + 0x20]
  mov dword [0x600000 + DATA + 0x24], 0xabcdef01
  mov ebx, [${PD3}]
  mov [DATA + 0x28], ebx`,
  ),
  c(
    'PAE: not-present PDPTE, write: #PF(2) with CR2',
    `  SET_EFER 0
  PAE_ON
  mov dword [0x40000004], 1`,
  ),
  c(
    'PAE: not-present PTE, read: #PF(0) (the PDE is marked accessed on the way)',
    `  SET_EFER 0
  PAE_ON
  mov eax, [0x403000]`,
  ),
  c(
    'PAE: the PDE of the last case has its accessed bit (read with paging off)',
    `  mov eax, [0x23010]
  mov [DATA + 0x30], eax`,
  ),
  c(
    'PAE: reserved bit 36 in a PDE: #PF(9) (P | RSVD)',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PT1}], 0x8003
  mov dword [0x23014], 0x10
  mov eax, [0x400000]`,
    true,
  ),
  c(
    'PAE: reserved bit 62 in a PTE with NXE, write: #PF(0xB)',
    `  SET_EFER 0x800
  PAE_ON
  mov dword [${PT1}], 0x8003
  mov dword [${PT1 + 4}], 0x40000000
  mov dword [0x400000], 5`,
    true,
  ),
  c(
    'PAE: XD (bit 63) without EFER.NXE is reserved: #PF(9)',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PT1}], 0x8003
  mov dword [${PT1 + 4}], 0x80000000
  mov eax, [0x400000]`,
    true,
  ),
  c(
    'PAE: reserved bits 20:13 of a 2 MB PDE: #PF(9)',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PD3}], 0x2083
  mov eax, [0x600000]`,
    true,
  ),
  c(
    'PAE NX: data reads of an XD page work, a fetch is #PF(0x11) at the target',
    `  SET_EFER 0x800
  PAE_ON
  mov byte [0x30000], 0xc3
  mov dword [${PT1 + 8}], 0x30003
  mov dword [${PT1 + 12}], 0x80000000
  movzx eax, byte [0x401000]
  mov [DATA + 0x34], eax
  call 0x401000`,
  ),
  c(
    'PAE NX: a page without XD executes (RET returns), EFER reads back NXE',
    `  SET_EFER 0x800
  PAE_ON
  mov byte [0x30000], 0xc3
  mov dword [${PT1 + 8}], 0x30003
  call 0x401000
  mov ecx, 0xc0000080
  rdmsr
  mov [DATA + 0x38], eax`,
  ),
  c(
    'PAE NX: XD on a 2 MB PDE stops fetches from the whole page: #PF(0x11)',
    `  SET_EFER 0x800
  PAE_ON
  mov byte [0x30000], 0xc3
  mov dword [${PD3}], 0x83
  mov dword [${PD3 + 4}], 0x80000000
  mov eax, [0x630000]
  call 0x630000`,
  ),
  c(
    'PAE NX: fetch from a not-present page reports I/D: #PF(0x10)',
    `  SET_EFER 0x800
  PAE_ON
  call 0x402000`,
  ),
  c(
    'PAE without NXE: fetch from a not-present page has no I/D: #PF(0)',
    `  SET_EFER 0
  PAE_ON
  call 0x402000`,
  ),
  c(
    'PAE NX: ring-3 fetch from an XD user page: #PF(0x15)',
    `  SET_EFER 0x800
  PAE_ON
  mov byte [0x30000], 0xc3
  mov dword [${PT1 + 8}], 0x30007
  mov dword [${PT1 + 12}], 0x80000000
  TO_RING3 .r3, 0x2
.r3:
  mov eax, [0x401000]
  call 0x401000`,
  ),
  c(
    'PAE: ring-3 read of a supervisor page: #PF(5)',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PT1}], 0x8003
  TO_RING3 .r3, 0x2
.r3:
  mov eax, [0x400000]`,
  ),
  c(
    'PAE: supervisor write to a read-only page, allowed with WP=0, #PF(3) with WP=1',
    `  SET_EFER 0
  PAE_ON
  mov dword [${PT1}], 0x8001
  mov dword [0x400040], 0x55
  mov eax, cr0
  or eax, 0x10000
  mov cr0, eax
  mov dword [0x400044], 0x66`,
  ),
  c(
    'PAE: INVLPG makes a changed PTE visible; MOV CR3 makes a changed PDPTE visible',
    `  SET_EFER 0
  PAE_ON
  mov dword [0x9000], 0x9999
  mov dword [0x8000 + 0x3c], 0x8888
  mov dword [${PT1}], 0x8003
  mov eax, [0x40003c]
  mov dword [${PT1}], 0x9003
  invlpg [0x400000]
  mov ebx, [0x400000]
  mov dword [0x22008], 0x23001
  mov edx, cr3
  mov cr3, edx
  mov esi, [0x40000000 + 0x9000]`,
  ),
]
