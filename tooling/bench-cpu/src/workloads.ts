// The guest workloads of the CPU benchmark: each is a boot sector (nasm, assembled at run time) that enters
// flat 32-bit protected mode and loops forever, incrementing the dword at COUNTER once per iteration.

/** Guest-physical address of the iteration counter. */
export const COUNTER = 0x6000

/** A workload: its name, its 32-bit body, and how many instructions one iteration retires. */
export interface Workload {
  readonly name: string
  readonly body: string
  /** Instructions per iteration (a REP string instruction counts once per element, as v86 and Bochs count). */
  readonly instructionsPerIteration: number
}

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'tight integer loop',
    instructionsPerIteration: 16,
    body: `
.top:
  add eax, ecx
  xor edx, eax
  sub ebx, 3
  inc esi
  dec edi
  mov [0x5000], eax
  mov ebp, [0x5000]
  and ebp, 0xff
  or edx, 1
  shl eax, 1
  cmp ebx, edx
  add esi, edi
  lea eax, [eax + ebx * 2 + 4]
  inc dword [${COUNTER}]
  dec ecx
  jmp .top`,
  },
  {
    // Two data-dependent if/else statements per pass (bits 0 and 1 of ECX): the branches are taken in turn.
    // Both arms of each are the same length, so every pass retires the same count.
    name: 'if/else branches (alternating)',
    instructionsPerIteration: 13,
    body: `
.top:
  mov eax, ecx
  and eax, 1
  jz .even
  add ebx, ecx
  xor edx, ebx
  jmp .join
.even:
  sub ebx, 7
  rol edx, 3
  nop
.join:
  test ecx, 2
  jnz .odd2
  add esi, edx
  jmp .join2
.odd2:
  sub esi, ebx
  nop
.join2:
  inc ecx
  inc dword [${COUNTER}]
  jmp .top`,
  },
  {
    name: 'string ops (rep movsd/stosd, lodsb)',
    instructionsPerIteration: 5 + 1024 + 4 + 1024 + 2 + 256 * 3 + 2,
    body: `
.top:
  mov esi, 0x100000
  mov edi, 0x200000
  mov ecx, 1024
  cld
  rep movsd
  mov edi, 0x300000
  mov ecx, 1024
  xor eax, eax
  rep stosd
  mov esi, 0x100000
  mov ecx, 256
.l:
  lodsb
  add ebx, eax
  loop .l
  inc dword [${COUNTER}]
  jmp .top`,
  },
  {
    name: 'memory-heavy (1 MB read-modify-write walk)',
    instructionsPerIteration: 2 + 16384 * 7 + 2,
    body: `
.top:
  mov esi, 0x100000
  mov ecx, 16384
.l:
  mov eax, [esi]
  add eax, ecx
  mov [esi + 4], eax
  xor edx, [esi + 8]
  add esi, 64
  dec ecx
  jnz .l
  inc dword [${COUNTER}]
  jmp .top`,
  },
  {
    name: 'paging-heavy (512 pages per CR3 reload)',
    instructionsPerIteration: 2 + 512 * 4 + 4,
    body: `
  mov edi, 0x20000
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov edi, 0x21000
  mov eax, 7
  mov ecx, 2048
.f:
  stosd
  add eax, 0x1000
  loop .f
  mov dword [0x20000], 0x21007
  mov dword [0x20004], 0x22007
  mov eax, 0x20000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
.top:
  mov esi, 0x400000
  mov ecx, 512
.l:
  add [esi], ecx
  add esi, 4096
  dec ecx
  jnz .l
  mov eax, cr3
  mov cr3, eax
  inc dword [${COUNTER}]
  jmp .top`,
  },
  {
    name: 'x87 FPU loop',
    // Seven x87 instructions, INC and JMP.
    instructionsPerIteration: 9,
    body: `
  fninit
  fld1
  fldz
.top:
  fadd st0, st1
  fld st0
  fmul st0, st0
  fsqrt
  fstp dword [0x5000]
  fild dword [${COUNTER}]
  fstp st0
  inc dword [${COUNTER}]
  jmp .top`,
  },
]

/** The boot sector of a workload (512 bytes, loaded at 0000:7C00). */
export function bootSectorSource(w: Workload): string {
  return `
bits 16
org 0x7c00
  cli
  cld
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  in al, 0x92
  or al, 2
  out 0x92, al
  lgdt [gdtr]
  mov eax, cr0
  or al, 1
  and eax, 0xfffffff3 ; EM = TS = 0
  mov cr0, eax
  jmp 0x08:pm
bits 32
pm:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x90000
  mov dword [${COUNTER}], 0
${w.body}
align 8
gdt:
  dq 0
  dq 0x00cf9b000000ffff
  dq 0x00cf93000000ffff
gdtr:
  dw 23
  dd gdt
  times 510 - ($ - $$) db 0
  dw 0xaa55
`
}
