// Hand-written protected-mode scenarios for the QEMU differential tests: segmentation checks, faults and
// error codes, paging (4 KB and 4 MB pages, A/D bits, WP, user/supervisor), rings, call gates, task switches,
// virtual-8086 mode, debug traps, SYSENTER/SYSEXIT and miscellaneous instructions. QEMU's TCG does not check
// segment limits or rights on data accesses, so those checks are unit-tested against the SDM instead
// (test/cpu/segmentation.test.ts).

/** A named scenario (nasm, between CASE_BEGIN and CASE_END) and the EFLAGS bits it leaves undefined. */
export interface Scenario {
  readonly name: string
  readonly asm: string
  readonly flagMask?: number
}

const c = (name: string, body: string, flagMask = 0): Scenario => ({
  name,
  asm: `; ${name}\n  CASE_BEGIN\n${body}\n  CASE_END`,
  flagMask,
})

const r = (name: string, body: string, flagMask = 0): Scenario => ({
  name,
  asm: `; ${name}\n  RCASE_BEGIN\n${body}\n  RCASE_END`,
  flagMask,
})

/** Real-mode scenarios (run from ROM with CS = F000 before the switch to protected mode). */
export const REAL_SCENARIOS: readonly Scenario[] = [
  r('real mode: INT 3 through the IVT pushes FLAGS, CS, IP', `  mov ax, 0x1234\n  int3\n  mov ax, 0x5678`),
  r('real mode: #DE from DIV by zero', `  xor dx, dx\n  mov ax, 5\n  xor cx, cx\n  div cx`),
  r(
    'real mode: segment arithmetic (base = selector × 16) and overrides',
    `  mov ax, 0x0800
  mov es, ax
  mov byte [es:0x10], 0x5a
  mov ax, 0x07ff
  mov fs, ax
  mov word [fs:0x22], 0x1234
  mov bx, 0x10
  mov al, [es:bx]
  mov [DATA + 1], al
  push es
  pop gs
  mov cx, gs
  mov [DATA + 2], cx`,
  ),
  r(
    'real mode: far call/return, PUSHF/POPF, string ops with 16-bit addressing',
    `  call 0xf000:.far - 0xF0000
  jmp .after
.far:
  mov dx, 0x77
  retf
.after:
  pushf
  pop ax
  mov [DATA + 4], ax
  mov si, DATA
  mov di, DATA + 32
  mov cx, 8
  rep movsw
  mov di, DATA + 16
  mov al, 0xcc
  mov cx, 4
  rep stosb`,
    0x8d5,
  ),
]

export const SCENARIOS: readonly Scenario[] = [
  c('null SS: #GP(0)', `  xor eax, eax\n  mov ss, ax`),
  c('selector beyond the GDT limit: #GP(sel)', `  mov ax, 0x7f8\n  add ax, 0x10\n  mov ds, ax`),
  c(
    'execute-only code segment into DS: #GP(sel)',
    `  SETDESC 0x50, 0, 0xfffff, 0x99, 0xc\n  mov ax, 0x50\n  mov ds, ax`,
  ),
  c('not-present data segment: #NP(sel)', `  SETDESC 0x58, 0, 0xfffff, 0x13, 0xc\n  mov ax, 0x58\n  mov fs, ax`),
  c(
    'paging: not-present read and write, CR2 and error codes',
    `  PAGING_ON
  mov dword [0x21000 + 0x200 * 4], 0x200006
  invlpg [0x200000]
  mov eax, [0x200010]`,
  ),
  c(
    'paging: accessed/dirty bits are set in the PTE',
    `  PAGING_ON
  mov eax, [0x201000]
  mov dword [0x202004], 5
  mov eax, [0x21000 + 0x201 * 4]
  mov [DATA], eax
  mov eax, [0x21000 + 0x202 * 4]
  mov [DATA + 4], eax
  mov eax, [0x20000]
  mov [DATA + 8], eax`,
  ),
  c(
    'paging: supervisor write to a read-only page, WP=0 allowed then WP=1 #PF(3)',
    `  PAGING_ON
  mov dword [0x21000 + 0x203 * 4], 0x203005
  invlpg [0x203000]
  mov dword [0x203000], 0x55
  mov eax, cr0
  or eax, 0x10000
  mov cr0, eax
  mov dword [0x203004], 0x66`,
  ),
  c(
    'paging: 4 MB PSE page maps 4–8 MB to 0–4 MB',
    `  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  PAGING_ON
  mov dword [0x20000 + 4], 0x00000087
  mov eax, 0x20000
  mov cr3, eax
  mov eax, [0x400000 + DATA]
  mov dword [0x400000 + DATA + 8], 0xabcdef01
  mov ebx, [0x20004]
  mov [DATA + 12], ebx`,
  ),
  c(
    'ring 3: CLI is #GP(0), fault frame CS is the ring-3 selector',
    `  TO_RING3 .r3, 0x2
.r3:
  mov eax, 0x1234
  cli`,
  ),
  c(
    'ring 3: IN without I/O permission is #GP(0)',
    `  TO_RING3 .r3, 0x2
.r3:
  in al, 0x80`,
  ),
  c('ring 3: INT 3 through a DPL-3 trap gate', `  TO_RING3 .r3, 0x2\n.r3:\n  mov ebx, 7\n  int3\n  mov ebx, 8`),
  c('ring 3: INT 0x40 (empty IDT entry) is #GP(0x202)', `  TO_RING3 .r3, 0x2\n.r3:\n  int 0x40`),
  c('ring 3: HLT is #GP(0)', `  TO_RING3 .r3, 0x2\n.r3:\n  hlt`),
  c(
    'ring 3: user page fault on a supervisor page (#PF 5/7)',
    `  PAGING_ON
  mov dword [0x21000 + 0x204 * 4], 0x204003
  TO_RING3 .r3, 0x2
.r3:
  mov eax, [0x204000]`,
  ),
  c(
    'ring 3 with IOPL 3: CLI allowed, OUT allowed; POPF keeps IOPL',
    `  TO_RING3 .r3, 0x3002
.r3:
  cli
  push dword 0x246
  popfd
  pushfd
  pop eax
  mov [DATA], eax
  int3`,
  ),
  c(
    'call gate from ring 3 to ring 0 copies parameters and switches stacks',
    `  SETGATE 0x68, 0x08, .r0, 0xec02
  TO_RING3 .r3, 0x2
.r3:
  push dword 0x11111111
  push dword 0x22222222
  call 0x6b:0
.r0:
  mov eax, [esp]
  mov [DATA], eax
  mov eax, [esp + 4]
  mov [DATA + 4], eax
  mov eax, [esp + 8]
  mov [DATA + 8], eax
  mov eax, [esp + 12]
  mov [DATA + 12], eax
  mov eax, [esp + 16]
  mov [DATA + 16], eax
  mov eax, [esp + 20]
  mov [DATA + 20], eax
  mov ax, cs
  mov [DATA + 24], ax
  mov ax, ss
  mov [DATA + 26], ax`,
  ),
  c(
    'far call/return within ring 0 and RETF imm16',
    `  push dword 0xaaaa
  call 0x08:.f
  mov ebx, esp
  sub ebx, [SAVED_ESP]
  jmp .done
.f:
  mov eax, [esp + 4]
  retf 4
.done:`,
  ),
  c(
    'task switch by JMP to a TSS descriptor saves the old task and loads the new one',
    `  TASK32 0x11000, .task2
  mov dword [0x11000 + 0x28], 0xa1
  mov dword [0x11000 + 0x2c], 0xc1
  mov dword [0x11000 + 0x30], 0xd1
  mov dword [0x11000 + 0x34], 0xb1
  SETDESC 0x70, 0x11000, 0x67, 0x89, 0
  mov eax, 0x12345678
  mov esi, 0x5151
  jmp 0x70:0
.task2:
  str bx
  mov [DATA], bx
  mov eax, [SCRATCH + 0x28]
  mov [DATA + 4], eax
  mov eax, [SCRATCH + 0x40]
  mov [DATA + 8], eax
  mov al, [GDT + 0x3d]
  mov [DATA + 12], al
  mov al, [GDT + 0x75]
  mov [DATA + 13], al
  mov eax, cr0
  and eax, 8
  mov [DATA + 14], al`,
  ),
  c(
    'task switch by CALL sets NT and the back link; IRET returns',
    `  TASK32 0x11000, .task2
  SETDESC 0x70, 0x11000, 0x67, 0x89, 0
  mov ebp, 0x77
  call 0x70:0
  mov [DATA + 8], eax
  str ax
  mov [DATA + 12], ax
  jmp .done
.task2:
  pushfd
  pop eax
  mov [DATA], eax
  mov ax, [0x11000]
  mov [DATA + 4], ax
  mov eax, 0x99
  iretd
.done:`,
  ),
  c(
    'virtual-8086 mode: code runs with real-mode addressing, INT n with IOPL 0 is #GP(0)',
    `  mov dword [0x7000], 0x1234b8 | (0xcd << 24)
  mov byte [0x7004], 0x21
  mov dword [0x7005], 0x90909090
  push dword 0
  push dword 0
  push dword 0
  push dword 0
  push dword 0x0
  push dword 0x6ff0
  push dword 0x20002
  push dword 0x0700
  push dword 0x0000
  iretd`,
  ),
  c(
    'virtual-8086 mode with IOPL 3: PUSHF/CLI work, INT3 goes through the IDT from V86',
    `  mov dword [0x7000], 0xfa9c
  mov byte [0x7002], 0x58
  mov byte [0x7003], 0xcc
  push dword 0
  push dword 0
  push dword 0
  push dword 0
  push dword 0x0
  push dword 0x6ff0
  push dword 0x23202
  push dword 0x0700
  push dword 0x0000
  iretd`,
  ),
  c(
    'TF single-step traps after the next instruction; DR6.BS',
    `  pushfd
  or dword [esp], 0x100
  popfd
  mov eax, 1
  mov ebx, 2
  mov eax, dr6
  mov [DATA], eax`,
  ),
  c(
    'BOUND out of range is #BR',
    `  mov dword [DATA], 10\n  mov dword [DATA + 4], 20\n  mov eax, 15\n  bound eax, [DATA]\n  mov eax, 21\n  bound eax, [DATA]`,
  ),
  c('INTO with OF set is vector 4', `  mov al, 0x7f\n  add al, 1\n  into`, 0x814),
  c('UD2 is #UD', `  mov eax, 5\n  ud2`),
  c('LOCK with a register operand is #UD', `  db 0xf0\n  add eax, ebx`),
  c('MOV CS is #UD', `  db 0x8e, 0xc8`),
  c(
    'SYSEXIT to ring 3 and SYSENTER back',
    `  mov ecx, 0x174
  xor edx, edx
  mov eax, 0x08
  wrmsr
  mov ecx, 0x175
  mov eax, 0x80000
  wrmsr
  mov ecx, 0x176
  mov eax, .back
  wrmsr
  SETDESC 0x18, 0, 0xfffff, 0xfb, 0xc
  SETDESC 0x20, 0, 0xfffff, 0xf3, 0xc
  mov ecx, 0x71000
  mov edx, .r3
  sysexit
.r3:
  mov ax, cs
  mov [ss:DATA], ax
  mov ax, ss
  mov [ss:DATA + 2], ax
  sysenter
.back:
  mov ax, cs
  mov [DATA + 4], ax
  mov ax, ss
  mov [DATA + 6], ax
  mov [DATA + 8], esp
  SETDESC 0x18, 0, 0x0ffff, 0x9b, 0
  SETDESC 0x20, 0, 0x0ffff, 0x93, 0`,
  ),
  c(
    'LAR, LSL, VERR, VERW, ARPL',
    `  SETDESC 0x40, 0x1000, 0x12345, 0xf2, 0x4
  SETDESC 0x48, 0, 0xfffff, 0x9a, 0xc
  mov bx, 0x40
  lar eax, bx
  mov [DATA], eax
  lsl ecx, bx
  mov [DATA + 4], ecx
  mov bx, 0x48
  verr bx
  setz [DATA + 8]
  verw bx
  setz [DATA + 9]
  mov bx, 0x7f0
  lar edx, bx
  setz [DATA + 10]
  mov ax, 0x11
  mov bx, 0x23
  arpl ax, bx
  mov [DATA + 12], ax
  setz [DATA + 14]`,
    0x8d5 & ~0x40,
  ),
  c(
    'string instructions: REP MOVSB backwards, REPE CMPSB, REPNE SCASW, LODS, STOS with a16',
    `  mov esi, DATA
  mov dword [esi], 0x44332211
  mov dword [esi + 4], 0x88776655
  std
  lea esi, [DATA + 7]
  lea edi, [DATA + 23]
  mov ecx, 8
  rep movsb
  cld
  mov esi, DATA
  lea edi, [DATA + 16]
  mov ecx, 8
  repe cmpsb
  mov [DATA + 32], ecx
  mov edi, DATA
  mov ax, 0x7766
  mov ecx, 10
  repne scasw
  mov [DATA + 36], ecx
  mov [DATA + 40], edi
  xor esi, esi
  mov si, DATA
  a16 lodsd
  mov edi, DATA + 44
  stosd
  mov cx, 3
  mov di, DATA + 48
  mov al, 0xee
  a16 rep stosb`,
  ),
  c(
    'PUSHA/POPA, ENTER with nesting, LEAVE, XLAT, LOOPNE, JECXZ',
    `  mov eax, 1
  mov ecx, 2
  mov edx, 3
  mov ebx, DATA
  mov ebp, 5
  mov esi, 6
  mov edi, 7
  pushad
  mov dword [DATA], 0x03020100
  mov al, 2
  xlatb
  mov [DATA + 4], al
  popad
  enter 16, 3
  mov [DATA + 8], ebp
  mov eax, esp
  sub eax, [SAVED_ESP]
  mov [DATA + 12], eax
  leave
  mov ecx, 5
  mov ebx, 0
.l:
  inc ebx
  cmp ebx, 3
  loopne .l
  mov [DATA + 16], ecx
  xor ecx, ecx
  jecxz .z
  mov byte [DATA + 20], 1
.z:
  mov byte [DATA + 21], 2`,
    0x8d5,
  ),
  c(
    'LDS/LES/LSS and segment overrides with a based segment',
    `  SETDESC 0x40, DATA, 0xffff, 0x93, 0x4
  mov word [DATA + 4], 0x40
  mov dword [DATA], 0x10
  les ebx, [DATA]
  mov dword [es:ebx], 0xfeedf00d
  mov eax, [DATA + 16]
  mov [DATA + 20], es`,
  ),
  c(
    '16-bit code segment: 16-bit addressing forms and operand sizes',
    `  SETDESC 0x40, CASES_RAM, 0xffff, 0x9b, 0
  jmp 0x40:(.c16 - CASES_RAM)
bits 16
.c16:
  mov bx, DATA
  mov si, 4
  mov di, 8
  mov bp, DATA
  mov word [bx + si], 0x1111
  mov word [bx + di + 2], 0x2222
  mov ax, [bp + si]
  mov [bp + di + 4], ax
  mov cx, 0xffff
  add cx, 2
  mov [bx + 16], cx
  o32 push dword 0x11223344
  o32 pop dword [bx + 20]
  jmp dword 0x08:.back
bits 32
.back:`,
  ),
  c(
    'self-modifying code: a store into the next instruction of the same block takes effect',
    `  mov eax, 1
  mov byte [.patch + 1], 42
.patch:
  mov ebx, 7
  add eax, ebx
  mov [DATA], eax`,
    0x8d5,
  ),
  c(
    'data writes next to cached code (same page, other granule) and a loop rewriting an immediate',
    `  mov ecx, 5
  xor edx, edx
.loop:
.imm:
  add edx, 1
  mov byte [.imm + 2], cl
  mov [.data], ecx
  dec ecx
  jnz .loop
  mov eax, [.data]
  mov [DATA], edx
  mov [DATA + 4], eax
  jmp .out
  times 128 db 0x90
.data:
  dd 0
.out:`,
    0x8d5,
  ),
  c(
    'backward REP STOSD/MOVSD across page boundaries, overlapping backward copies (upward like memmove, downward replicating)',
    `  std
  mov edi, 0x21008
  mov eax, 0x0a0b0c0d
  mov ecx, 10
  rep stosd
  mov esi, [0x20fe4]
  mov [DATA], esi
  mov esi, [0x20ffc]
  mov [DATA + 4], esi
  mov esi, [0x21008]
  mov [DATA + 8], esi
  mov [DATA + 12], edi
  cld
  mov edi, 0x40ff0
  mov eax, 0x04030201
  mov ecx, 12
.fill:
  stosd
  add eax, 0x04040404
  loop .fill
  std
  mov esi, 0x4101c
  mov edi, 0x41024
  mov ecx, 12
  rep movsd
  mov eax, [0x40ff8]
  mov [DATA + 16], eax
  mov eax, [0x41000]
  mov [DATA + 20], eax
  mov eax, [0x41024]
  mov [DATA + 24], eax
  mov [DATA + 28], esi
  mov [DATA + 32], edi
  mov esi, 0x41020
  mov edi, 0x4101e
  mov ecx, 8
  rep movsd
  mov eax, [0x41000]
  mov [DATA + 36], eax
  mov eax, [0x41004]
  mov [DATA + 40], eax
  mov eax, [0x41010]
  mov [DATA + 44], eax
  mov eax, [0x4101c]
  mov [DATA + 48], eax
  mov [DATA + 52], ecx
  cld`,
  ),
  c(
    'a long backward REP MOVSD moving a buffer up by 256 bytes (as the bzImage decompressor moves the kernel), a16 backward REP STOSW',
    `  cld
  mov edi, 0x50000
  xor eax, eax
  mov ecx, 0x3000
.fill:
  stosd
  add eax, 0x01010101
  loop .fill
  std
  mov esi, 0x5bffc
  mov edi, 0x5c0fc
  mov ecx, 0x3000
  rep movsd
  mov eax, [0x50100]
  mov [DATA], eax
  mov eax, [0x55554]
  mov [DATA + 4], eax
  mov eax, [0x5c0fc]
  mov [DATA + 8], eax
  mov eax, [0x500fc]
  mov [DATA + 12], eax
  mov [DATA + 16], esi
  mov [DATA + 20], edi
  mov [DATA + 24], ecx
  mov ax, 0x5566
  mov edi, 0x12348000 + 0x3e
  mov ecx, 0x10003
  a16 rep stosw
  mov [DATA + 28], ecx
  mov [DATA + 32], edi
  mov eax, [DATA + 0x38]
  mov [DATA + 36], eax
  cld`,
  ),
  c(
    'forward REP MOVSD/STOSW across a page boundary and an overlapping REP MOVSB (pattern replication)',
    `  mov edi, 0x20ff0
  mov eax, 0x01020304
  mov ecx, 16
  rep stosd
  mov esi, 0x20ff0
  mov edi, 0x30ffa
  mov ecx, 14
  rep movsd
  mov esi, [0x31000]
  mov [DATA], esi
  mov esi, [0x3102e]
  mov [DATA + 4], esi
  mov byte [0x40000], 0xab
  mov byte [0x40001], 0xcd
  mov esi, 0x40000
  mov edi, 0x40002
  mov ecx, 100
  rep movsb
  mov eax, [0x40060]
  mov [DATA + 8], eax
  mov ax, 0x7788
  mov edi, 0x40ffe
  mov ecx, 3
  rep stosw
  mov eax, [0x40ffe]
  mov [DATA + 12], eax
  mov [DATA + 16], ecx
  mov [DATA + 20], esi
  mov [DATA + 24], edi`,
  ),
  c(
    'data breakpoint (DR0, write-only, 4 bytes): reads pass, a write traps #DB after the instruction',
    `  mov eax, DATA + 8
  mov dr0, eax
  mov eax, 0xd0001
  mov dr7, eax
  mov ebx, [DATA + 8]
  mov dword [DATA + 4], 1
  mov ecx, 3
  mov word [DATA + 10], 5
  mov edx, 4`,
  ),
  c(
    'I/O breakpoint (CR4.DE, DR2 R/W = 10, 2 bytes): OUT to a watched port traps #DB after the instruction',
    `  mov eax, cr4
  or eax, 8
  mov cr4, eax
  mov eax, 0x80
  mov dr2, eax
  mov eax, 0x620 | (0x6 << 24)
  mov dr7, eax
  mov dx, 0x84
  mov al, 1
  out dx, al
  mov ebx, 7
  mov al, 2
  out 0x81, al
  mov ecx, 9`,
  ),
  c(
    'instruction breakpoint (DR1) faults #DB before the instruction',
    `  mov eax, .bp
  mov dr1, eax
  mov eax, 0x4
  mov dr7, eax
  mov ebx, 1
.bp:
  mov ebx, 2`,
  ),
]
