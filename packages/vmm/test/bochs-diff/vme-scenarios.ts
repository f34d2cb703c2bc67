// Virtual-8086 mode extension (CR4.VME) and protected-mode virtual interrupt (CR4.PVI) scenarios for the Bochs
// differential test (Intel SDM vol. 3A 20.3–20.4, table 20-2). Each case sets up the TSS with a software
// interrupt redirection bitmap, enters a V86 task (or ring 3) by IRETD and leaves it by INT3 or a #GP; the
// recorders below save the interrupted EFLAGS (VIF, VIP, IF, IOPL) and ESP into the dumped data area.
import { LAYOUT } from '../qemu-diff/runtime'
import type { Scenario } from '../qemu-diff/scenarios'

const VIF = 0x80000
const VIP = 0x100000
const VM = 0x20000

const c = (name: string, body: string, flagMask = 0): Scenario => ({
  name,
  asm: `; ${name}\n  CASE_BEGIN\n${body}\n  CASE_END`,
  flagMask,
})

/** nasm macro `SETIDT vector, handler`: points IDT gate `vector` at `handler` as a DPL-3 32-bit trap gate. */
export const SETIDT_MACRO = `%macro SETIDT 2
  mov eax, %2
  and eax, 0xffff
  or eax, 0x00080000
  mov [IDT + (%1) * 8], eax
  mov eax, %2
  and eax, 0xffff0000
  or eax, 0xef00
  mov [IDT + (%1) * 8 + 4], eax
%endmacro`

/**
 * Shared code placed before the cases: #BP and #GP recorders (interrupted EFLAGS → DATA + 56, ESP → DATA + 60,
 * then the runtime's recording stub) and the macros the cases use.
 */
export const VME_PRELUDE = `  jmp vme_cases
vme_rec_bp:
  cld
  push eax
  mov eax, [ss:esp + 12]
  mov [ss:DATA + 56], eax
  mov eax, [ss:esp + 16]
  mov [ss:DATA + 60], eax
  pop eax
  jmp stub_3
vme_rec_gp:
  cld
  push eax
  mov eax, [ss:esp + 16] ; with RF, which a fault's EFLAGS image carries (SDM 17.3.1.1)
  mov [ss:DATA + 56], eax
  mov eax, [ss:esp + 20]
  mov [ss:DATA + 60], eax
  pop eax
  jmp stub_13
${SETIDT_MACRO}
; VME_SETUP cr4 bits, TSS limit: I/O map base 0x88, an empty redirection bitmap below it, an all-zero 8 KB
; I/O bitmap, the recorders on vectors 3 and 13, and the IVT entry of vector 0x21 → 0700:0x80.
%macro VME_SETUP 2
  mov edi, SCRATCH + 0x68
  mov ecx, (0x20 + 0x2000) / 4 + 1
  xor eax, eax
  rep stosd
  mov word [SCRATCH + 0x66], 0x88
  SETDESC 0x38, SCRATCH, %2, 0x89, 0
  mov ax, 0x38
  ltr ax
  SETIDT 3, vme_rec_bp
  SETIDT 13, vme_rec_gp
  mov dword [0x21 * 4], 0x07000080
  mov dword [0x03 * 4], 0x07000090
  mov dword [DATA + 56], 0
  mov dword [DATA + 60], 0
  mov eax, cr4
  or eax, %1
  mov cr4, eax
%endmacro
; REDIRECT_OFF vector: sets the vector's bit in the redirection bitmap (no redirection to the V86 IVT).
%macro REDIRECT_OFF 1
  or byte [SCRATCH + 0x68 + ((%1) >> 3)], 1 << ((%1) & 7)
%endmacro
; V86_RUN code, code_end, eflags: copies the 16-bit code to 0700:0000 and IRETDs into it (DS = 0800 = DATA,
; SS:SP = 0000:6FF0).
%macro V86_RUN 3
  mov esi, %1
  mov edi, 0x7000
  mov ecx, %2 - %1
  rep movsb
  push dword 0
  push dword 0
  push dword 0x0800
  push dword 0
  push dword 0
  push dword 0x6ff0
  push dword %3
  push dword 0x0700
  push dword 0
  iretd
%endmacro
vme_cases:`

/** A V86 case: `setup` (ring 0, after VME_SETUP), then `v86` (16-bit code at 0700:0000) under `eflags`. */
export function v86(
  name: string,
  cr4: number,
  eflags: number,
  v86Code: string,
  setup = '',
  tssLimit = 0x2088,
): Scenario {
  return c(
    name,
    `  VME_SETUP ${cr4}, 0x${tssLimit.toString(16)}
${setup}
  V86_RUN .code, .code_end, 0x${(eflags | VM | 2).toString(16)}
bits 16
.code:
${v86Code}
.code_end:
bits 32`,
  )
}

/**
 * A JMP to a second TSS (0x40 at 0x14000) whose task is V86 code at 0700:0000 with `eflags` (DS = 0800, SS:SP =
 * 0000:6FF0, ring-0 stack from the new TSS).
 */
function taskSwitchToV86(name: string, eflags: number): Scenario {
  return c(
    name,
    `  VME_SETUP 1, 0x2088
  mov edi, 0x14000
  mov ecx, 0x68 / 4
  xor eax, eax
  rep stosd
  mov dword [0x14000 + 4], ${LAYOUT.stackTop - 0x1000}
  mov dword [0x14000 + 8], 0x10
  mov dword [0x14000 + 0x24], 0x${(eflags | VM | 2).toString(16)}
  mov dword [0x14000 + 0x38], 0x6ff0
  mov dword [0x14000 + 0x4c], 0x0700
  mov dword [0x14000 + 0x54], 0x0800
  mov word [0x14000 + 0x66], 0x68
  mov esi, .code
  mov edi, 0x7000
  mov ecx, .code_end - .code
  rep movsb
  SETDESC 0x40, 0x14000, 0x67, 0x89, 0
  jmp 0x40:0
bits 16
.code:
  mov ax, 1
  int3
.code_end:
bits 32`,
  )
}

/** The IVT handlers of vectors 0x21 (0700:0080) and 3 (0700:0090): pop the frame into AX/BX/CX, then INT3. */
const IVT_HANDLERS = `  times 0x80 - ($ - .code) db 0x90
  pop ax
  pop bx
  pop cx
  pushf
  pop dx
  int3
  times 0x90 - ($ - .code) db 0x90
  pop ax
  pop bx
  pop cx
  int3`

const IF = 0x200
const iopl = (n: number) => n << 12

export const VME_SCENARIOS: readonly Scenario[] = [
  v86(
    'VME, IOPL 0: CLI/STI change VIF; PUSHF shows VIF as IF and IOPL 3',
    1,
    IF | VIF,
    `  cli
  pushf
  pop ax
  sti
  pushf
  pop bx
  int3`,
  ),
  v86(
    'VME, IOPL 3: CLI/STI change IF, PUSHF is the real FLAGS',
    1,
    IF | VIF | iopl(3),
    `  cli
  pushf
  pop ax
  sti
  int3`,
  ),
  v86('VME, IOPL 0: STI with VIP set is #GP(0)', 1, IF | VIP, `  mov ax, 1\n  sti\n  mov ax, 2\n  int3`),
  v86(
    'VME, IOPL 1: POPF loads VIF from IF and keeps IF and IOPL',
    1,
    IF,
    `  push word 0x0cd5
  popf
  pushf
  pop ax
  push word 0x0200
  popf
  pushf
  pop bx
  int3`,
  ),
  v86('VME, IOPL 0: POPF setting IF with VIP set is #GP(0)', 1, IF | VIP, `  push word 0x0200\n  popf\n  int3`),
  v86('VME, IOPL 0: POPF with IF = 0 and VIP set is fine', 1, IF | VIP, `  push word 0x08c1\n  popf\n  int3`),
  v86(
    'VME, IOPL 0: entering the task with VIF and VIP set is #GP(0) at its first instruction',
    1,
    IF | VIF | VIP,
    `  mov ax, 1\n  int3`,
  ),
  v86('VME, IOPL 0: POPF setting TF is #GP(0)', 1, IF, `  push word 0x0100\n  popf\n  int3`),
  v86('VME, IOPL 0: PUSHFD is #GP(0)', 1, IF, `  pushfd\n  int3`),
  v86('VME, IOPL 0: POPFD is #GP(0)', 1, IF, `  push dword 0\n  popfd\n  int3`),
  v86('VME, IOPL 0: IRETD is #GP(0)', 1, IF, `  push dword 0\n  push dword 0\n  push dword 0\n  iretd`),
  v86(
    'VME, IOPL 0: 16-bit IRET stays in the task and loads VIF',
    1,
    IF,
    `  push word 0x0a01
  push word 0x0700
  push word .after - .code
  iret
  int3
.after:
  pushf
  pop ax
  int3`,
  ),
  v86(
    'VME, IOPL 0: IRET with TF in the image is #GP(0)',
    1,
    IF,
    `  push word 0x0100
  push word 0x0700
  push word 0
  iret`,
  ),
  v86(
    'VME, IOPL 0: IRET setting IF with VIP set is #GP(0)',
    1,
    IF | VIP,
    `  push word 0x0200
  push word 0x0700
  push word 0
  iret`,
  ),
  v86('table 20-2 method 1: VME = 0, IOPL 3: INT n through the IDT', 0, IF | iopl(3), `  mov si, 1\n  db 0xcd, 0x03`),
  v86('table 20-2 method 2: VME = 0, IOPL 0: INT n is #GP(0)', 0, IF, `  db 0xcd, 0x03`),
  v86('table 20-2 method 3: VME, IOPL 0, bit set: #GP(0)', 1, IF, `  int 0x21\n${IVT_HANDLERS}`, '  REDIRECT_OFF 0x21'),
  v86(
    'table 20-2 method 4: VME, IOPL 3, bit set: through the IDT',
    1,
    IF | iopl(3),
    `  db 0xcd, 0x03`,
    '  REDIRECT_OFF 3',
  ),
  v86(
    'table 20-2 method 5: VME, IOPL 3, bit clear: the task’s IVT; IF cleared',
    1,
    IF | VIF | iopl(3),
    `  int 0x21\n${IVT_HANDLERS}`,
    '  REDIRECT_OFF 0x20\n  REDIRECT_OFF 0x22',
  ),
  v86(
    'table 20-2 method 6: VME, IOPL 0, bit clear: the task’s IVT; VIF cleared, image has IF = VIF, IOPL 3',
    1,
    IF | VIF,
    `  int 0x21\n${IVT_HANDLERS}`,
  ),
  v86('table 20-2 method 6 with VIF = 0', 1, IF | iopl(2), `  int 0x21\n${IVT_HANDLERS}`),
  v86('VME: INT n encoded CD 03 is redirected, INT3 (CC) is not', 1, IF, `  db 0xcd, 0x03\n${IVT_HANDLERS}`),
  v86('VME: INT3 (CC) goes through the IDT even with its bitmap bit clear', 1, IF, `  mov di, 5\n  int3`),
  v86('VME: a TSS limit below the redirection bitmap byte is #GP(0)', 1, IF | iopl(3), `  int 0x21`, '', 0x88 - 32 + 3),
  v86(
    'VME: a TSS limit just covering the bitmap byte redirects',
    1,
    IF | iopl(3),
    `  int 0x21\n${IVT_HANDLERS}`,
    '',
    0x88 - 32 + 4,
  ),
  taskSwitchToV86('JMP to a V86 task with VIF and VIP set: #GP(0) at its first instruction', IF | VIF | VIP),
  taskSwitchToV86('JMP to a V86 task with VIF set and VIP clear runs it', IF | VIF),
  c(
    'PVI, CPL 3, IOPL 0: CLI/STI change VIF',
    `  VME_SETUP 2, 0x2088
  TO_RING3 .r3, 0x${(IF | VIF | 2).toString(16)}
.r3:
  cli
  pushfd
  pop eax
  sti
  pushfd
  pop ebx
  int3`,
  ),
  c(
    'PVI, CPL 3: STI with VIP set is #GP(0)',
    `  VME_SETUP 2, 0x2088
  TO_RING3 .r3, 0x${(IF | VIP | 2).toString(16)}
.r3:
  sti
  int3`,
  ),
  c(
    'PVI off, CPL 3, IOPL 0: CLI is #GP(0)',
    `  VME_SETUP 1, 0x2088
  TO_RING3 .r3, 0x${(IF | 2).toString(16)}
.r3:
  cli
  int3`,
  ),
  c(
    'PVI, CPL 3: POPFD changes neither IF nor VIF; IRETD from CPL 0 loaded VIF and VIP',
    `  VME_SETUP 2, 0x2088
  TO_RING3 .r3, 0x${(IF | VIF | VIP | 2).toString(16)}
.r3:
  pushfd
  pop eax
  push dword 0
  popfd
  int3`,
  ),
]
