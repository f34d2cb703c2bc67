// Resume-flag and debug-register scenarios for the Bochs differential test (Intel SDM vol. 3A 6.12.1, 17.3.1.1:
// RF in the EFLAGS image of faults, not of traps or instruction-breakpoint #DB; 17.3.1.2: a data or I/O
// breakpoint in a REP string instruction traps after the iteration that hit it). QEMU's TCG sets RF in no
// exception image and reports breakpoints in REP instructions differently, so Bochs is the oracle here.
//
// Data area of every case: +0 #DB count, +4 count of the fixed faults (#GP/#PF), +8 DR6 B0–B3 of the last #DB,
// +12 the EFLAGS image of the last fault recorded, +16 up to four #DB hits of 12 bytes: the return EIP, ECX and
// the EFLAGS image (without RF in the REP cases, see `dbg_db_rep`). The DR7.GD (SDM vol. 3B 17.2.4) and TSS
// T-flag (17.2.3) cases record with `dbg_db_full` instead: the whole DR6, DR7, TR and DR0 at the #DB.
import type { Scenario } from '../qemu-diff/scenarios'
import { SETIDT_MACRO } from './vme-scenarios'

const c = (name: string, body: string, flagMask = 0): Scenario => ({
  name,
  asm: `; ${name}\n  CASE_BEGIN\n${body}\n  CASE_END`,
  flagMask,
})

/** Recorders and macros placed before the cases. */
export const DEBUG_PRELUDE = `  jmp dbg_cases
; #DB that resumes: counts, keeps DR6 B0–B3 (then clears DR6), logs the hit and IRETs with RF set so an instruction
; breakpoint does not fire again on the same instruction. DBG_DB name, mask: the logged image is ANDed with mask.
%macro DBG_DB 2
%1:
  push eax
  push ebx
  mov eax, [ss:DATA]
  inc dword [ss:DATA]
  cmp eax, 4
  jae .full
  imul eax, eax, 12
  mov ebx, [esp + 8]
  mov [ss:DATA + 16 + eax], ebx
  mov [ss:DATA + 20 + eax], ecx
  mov ebx, [esp + 16]
  and ebx, %2
  mov [ss:DATA + 24 + eax], ebx
.full:
  mov eax, dr6
  and eax, 0xf
  mov [ss:DATA + 8], eax
  xor eax, eax
  mov dr6, eax
  or dword [esp + 16], 0x10000
  pop ebx
  pop eax
  iretd
%endmacro
DBG_DB dbg_db, 0xffffffff
; The REP cases log the image without RF: Bochs 2.7 leaves RF out of the image of an interrupt or trap taken
; between two iterations of a REP instruction (a hidden "in repeat" flag suppressed the instruction breakpoint
; instead); Bochs 2.8 and later set RF there (commit a5c6bcfd, "correct EFLAGS.RF management", after SDM vol. 3A
; 17.3.1.1), and so does Boxwood (test/cpu/resume-flag.test.ts checks the bit).
DBG_DB dbg_db_rep, ~0x10000
; #DB that records it all and resumes (the general-detect and T-flag cases): count at +0, DR6 at +8, the EFLAGS
; image at +12, the return EIP at +16, DR7 at +20, TR at +24, DR0 at +28; then clears DR6. Its MOVs from DR6/DR7
; run with DR7.GD cleared by the #DB itself (SDM vol. 3B 17.2.4).
dbg_db_full:
  push eax
  inc dword [ss:DATA]
  mov eax, dr6
  mov [ss:DATA + 8], eax
  mov eax, [esp + 12]
  mov [ss:DATA + 12], eax
  mov eax, [esp + 4]
  mov [ss:DATA + 16], eax
  mov eax, dr7
  mov [ss:DATA + 20], eax
  str ax
  movzx eax, ax
  mov [ss:DATA + 24], eax
  mov eax, dr0
  mov [ss:DATA + 28], eax
  xor eax, eax
  mov dr6, eax
  pop eax
  iretd
; DBG_FIX_ENTER: a fixing handler's entry: drops the error code, counts, records the EFLAGS image (EAX pushed).
%macro DBG_FIX_ENTER 0
  add esp, 4
  inc dword [ss:DATA + 4]
  push eax
  mov eax, [esp + 12]
  mov [ss:DATA + 12], eax
%endmacro
; #GP that fixes the fault: loads a valid selector into EBX (the case faults on MOV DS, BX) and IRETs unchanged.
dbg_gp_fix:
  DBG_FIX_ENTER
  pop eax
  mov ebx, 0x10
  iretd
; #PF that fixes the fault: marks the PTE of 0x50000 present again and IRETs unchanged.
dbg_pf_fix:
  DBG_FIX_ENTER
  or dword [0x21000 + 0x50 * 4], 1
  invlpg [0x50000]
  pop eax
  iretd
; Recorders for faults and traps that end the case: EFLAGS image → DATA + 12, then the runtime's stub.
%macro DBG_REC 2
dbg_rec_%1:
  push eax
  mov eax, [esp + 12 + (%2) * 4]
  mov [ss:DATA + 12], eax
  pop eax
  jmp stub_%1
%endmacro
DBG_REC 0, 0
DBG_REC 3, 0
DBG_REC 4, 0
DBG_REC 5, 0
DBG_REC 6, 0
DBG_REC 11, 1
DBG_REC 12, 1
DBG_REC 13, 1
DBG_REC 14, 1
${SETIDT_MACRO}
; DBG_SETUP: the recorders on their vectors, #DB resuming, an empty data area.
%macro DBG_SETUP 0
  SETIDT 0, dbg_rec_0
  SETIDT 1, dbg_db
  SETIDT 3, dbg_rec_3
  SETIDT 4, dbg_rec_4
  SETIDT 5, dbg_rec_5
  SETIDT 6, dbg_rec_6
  SETIDT 11, dbg_rec_11
  SETIDT 12, dbg_rec_12
  SETIDT 13, dbg_rec_13
  SETIDT 14, dbg_rec_14
  mov edi, DATA
  mov ecx, 16
  xor eax, eax
  rep stosd
  xor ecx, ecx
  xor edi, edi
%endmacro
; DBG_DR index, address, DR7 value: arms one breakpoint.
%macro DBG_DR 3
  mov eax, %2
  mov dr%1, eax
  mov eax, %3
  mov dr7, eax
%endmacro
dbg_cases:`

/** DR7 for breakpoint `i` enabled locally with R/W field `rw` and LEN field `len`. */
const dr7 = (i: number, rw: number, len: number) =>
  `0x${((1 << (i * 2)) | (rw << (16 + i * 4)) | (len << (18 + i * 4))).toString(16)}`

export const DEBUG_SCENARIOS: readonly Scenario[] = [
  c('#DE image has RF', `  DBG_SETUP\n  xor edx, edx\n  mov eax, 1\n  div edx`),
  c('#UD image has RF', `  DBG_SETUP\n  ud2`),
  c('#GP image has RF', `  DBG_SETUP\n  mov bx, 0x7f8\n  mov ds, bx`),
  c(
    '#BR image has RF',
    `  DBG_SETUP\n  mov dword [DATA + 48], 1\n  mov dword [DATA + 52], 2\n  mov eax, 3\n  bound eax, [DATA + 48]`,
  ),
  c(
    '#NP from INT n through a not-present gate: the image has RF',
    `  DBG_SETUP\n  mov dword [IDT + 0x40 * 8], 0x00080000\n  mov dword [IDT + 0x40 * 8 + 4], 0x6e00\n  int 0x40`,
  ),
  c('INT3 image (a trap) has no RF', `  DBG_SETUP\n  int3`),
  c('INTO image (a trap) has no RF', `  DBG_SETUP\n  mov al, 0x7f\n  add al, 1\n  into`),
  c(
    '#PF image has RF',
    `  DBG_SETUP
  PAGING_ON
  and dword [0x21000 + 0x50 * 4], ~1
  invlpg [0x50000]
  mov eax, [0x50000]`,
  ),
  c(
    'an instruction breakpoint on MOV DS that faults #GP: #DB once (image without RF), the fixed #GP resumes with RF',
    `  DBG_SETUP
  SETIDT 13, dbg_gp_fix
  DBG_DR 0, .bp, ${dr7(0, 0, 0)}
  mov bx, 0x7f8
.bp:
  mov ds, bx
  mov ecx, 0x77
  mov ax, ds
  mov [DATA + 60], eax
  xor eax, eax
  mov dr7, eax
  SETIDT 13, dbg_rec_13`,
  ),
  c(
    'an instruction breakpoint on a load that faults #PF: #DB once, the fixed #PF resumes with RF',
    `  DBG_SETUP
  PAGING_ON
  SETIDT 14, dbg_pf_fix
  mov dword [0x50000], 0x12345678
  and dword [0x21000 + 0x50 * 4], ~1
  invlpg [0x50000]
  DBG_DR 1, .bp, ${dr7(1, 0, 0)}
.bp:
  mov esi, [0x50000]
  xor eax, eax
  mov dr7, eax
  SETIDT 14, dbg_rec_14`,
  ),
  c(
    'IRETD with RF set skips the instruction breakpoint of exactly one instruction',
    `  DBG_SETUP
  DBG_DR 0, .bp1, ${dr7(0, 0, 0)}
  DBG_DR 1, .bp2, ${dr7(0, 0, 0)} | ${dr7(1, 0, 0)}
  pushfd
  or dword [esp], 0x10000
  push cs
  push dword .bp1
  iretd
.bp1:
  mov ecx, 1
.bp2:
  mov ecx, 2
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'REP STOSD over a write breakpoint: #DB after that iteration, at the REP with RF, ECX left',
    `  DBG_SETUP
  SETIDT 1, dbg_db_rep
  DBG_DR 0, 0x30008, ${dr7(0, 1, 3)}
  mov edi, 0x30000
  mov ecx, 8
  mov eax, 0x5a5a5a5a
  cld
  rep stosd
  mov [DATA + 60], edi
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'REP STOSD whose last iteration hits the breakpoint: #DB after the instruction, without RF',
    `  DBG_SETUP
  SETIDT 1, dbg_db_rep
  DBG_DR 0, 0x30008, ${dr7(0, 1, 3)}
  mov edi, 0x30000
  mov ecx, 3
  cld
  rep stosd
  mov [DATA + 60], edi
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'REP MOVSB with two read/write breakpoints (source and destination): two #DB, each after its iteration',
    `  DBG_SETUP
  SETIDT 1, dbg_db_rep
  DBG_DR 0, 0x31005, ${dr7(0, 3, 0)}
  DBG_DR 1, 0x32008, ${dr7(0, 3, 0)} | ${dr7(1, 1, 0)}
  mov esi, 0x31000
  mov edi, 0x32000
  mov ecx, 12
  cld
  rep movsb
  mov [DATA + 60], esi
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'REPE CMPSB over a read breakpoint stops after the hit and resumes the comparison',
    `  DBG_SETUP
  SETIDT 1, dbg_db_rep
  mov edi, 0x33000
  mov ecx, 8
  mov al, 0x11
  rep stosb
  mov edi, 0x34000
  mov ecx, 8
  rep stosb
  mov byte [0x34006], 0x22
  DBG_DR 2, 0x33003, ${dr7(2, 3, 0)}
  mov esi, 0x33000
  mov edi, 0x34000
  mov ecx, 8
  repe cmpsb
  mov [DATA + 60], esi`,
  ),
  c(
    'REP OUTSB to a watched port (CR4.DE): #DB after every iteration',
    `  DBG_SETUP
  SETIDT 1, dbg_db_rep
  mov eax, cr4
  or eax, 8
  mov cr4, eax
  DBG_DR 3, 0x80, ${dr7(3, 2, 0)}
  mov esi, 0x30000
  mov dx, 0x80
  mov ecx, 3
  cld
  rep outsb
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'REP STOSB with TF: a single-step trap after every iteration',
    `  DBG_SETUP
  SETIDT 1, dbg_db_rep
  mov edi, 0x30000
  mov ecx, 3
  cld
  pushfd
  or dword [esp], 0x100
  popfd
  rep stosb
  pushfd
  and dword [esp], ~0x100
  popfd`,
  ),
  c(
    'a single-step trap after IRETD with RF set: the #DB image keeps no RF from it',
    `  DBG_SETUP
  pushfd
  or dword [esp], 0x10100
  push cs
  push dword .next
  iretd
.next:
  mov ecx, 5
  pushfd
  and dword [esp], ~0x100
  popfd`,
  ),
  c(
    'a data breakpoint hit also sets the B bit of a matching breakpoint that is not enabled (DR3)',
    `  DBG_SETUP
  mov eax, 0x30002
  mov dr3, eax
  DBG_DR 1, 0x30000, ${dr7(1, 1, 3)} | (3 << 28)
  mov dword [0x30000], 1
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'an I/O breakpoint hit also sets the B bit of a matching I/O breakpoint that is not enabled (DR2)',
    `  DBG_SETUP
  mov eax, cr4
  or eax, 8
  mov cr4, eax
  mov eax, 0x80
  mov dr2, eax
  DBG_DR 3, 0x80, ${dr7(3, 2, 0)} | (2 << 24)
  mov al, 1
  out 0x80, al
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'an instruction breakpoint hit also sets the B bits of other breakpoints on it, enabled (DR1) or not (DR2)',
    `  DBG_SETUP
  mov eax, .bp
  mov dr2, eax
  mov dr1, eax
  DBG_DR 0, .bp, ${dr7(0, 0, 0)} | ${dr7(1, 0, 0)} | (1 << 28)
.bp:
  mov ecx, 3
  xor eax, eax
  mov dr7, eax`,
  ),
  c(
    'DR7.GD: MOV from DR0 faults #DB (DR6.BD) before it runs; the handler reads DR6/DR7 with GD clear',
    `  DBG_SETUP
  SETIDT 1, dbg_db_full
  xor eax, eax
  mov dr6, eax
  mov eax, 0x1234
  mov dr0, eax
  mov eax, 0x2000
  mov dr7, eax
.mov:
  mov esi, dr0
  mov edi, dr7
  mov [DATA + 32], dword .mov
  xor eax, eax
  mov dr0, eax`,
  ),
  c(
    'DR7.GD: MOV to DR0 faults #DB before the write; it runs after the handler',
    `  DBG_SETUP
  SETIDT 1, dbg_db_full
  xor eax, eax
  mov dr6, eax
  mov eax, 0x1111
  mov dr0, eax
  mov eax, 0x2000
  mov dr7, eax
  mov eax, 0x2222
  mov dr0, eax
  mov ebx, dr0
  xor eax, eax
  mov dr7, eax
  mov dr0, eax`,
  ),
  c(
    'a JMP to a TSS whose T flag is set: #DB with DR6.BT before the new task runs',
    `  DBG_SETUP
  SETIDT 1, dbg_db_full
  xor eax, eax
  mov dr6, eax
  TASK32 0x11000, .task2
  mov word [0x11000 + 0x64], 1
  SETDESC 0x70, 0x11000, 0x67, 0x89, 0
  mov esi, 0x5151
  jmp 0x70:0
.task2:
  mov esi, 0x7272
  mov [DATA + 32], dword .task2
  mov eax, cr0
  and eax, 8
  mov [DATA + 36], eax`,
  ),
]
