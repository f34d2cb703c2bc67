// The test firmware shared by QEMU and Boxwood in the differential tests: a 128 KB flat BIOS image (nasm) that
// enters 32-bit protected mode, installs recording exception handlers, runs test cases, and after each case
// dumps the registers, EFLAGS, a fault record and a 64-byte data area to COM1; port 0xF4 (isa-debug-exit) ends
// the run. Addresses below are guest-physical; RAM layout is documented in `LAYOUT`.

/** Fixed guest addresses used by the runtime and the cases. */
export const LAYOUT = {
  idt: 0x1000,
  gdt: 0x2000,
  /** Fault record: vector, error code, EIP, CS, CR2 (5 dwords); vector = 0xFFFFFFFF when no fault happened. */
  faultRecord: 0x3000,
  savedEsp: 0x3020,
  resume: 0x3024,
  /** Scratch memory for cases (page tables, TSSs, ring-3 stacks…): 0x10000–0x7FFFF. */
  scratch: 0x10000,
  /** The data area dumped after every case (64 bytes). */
  data: 0x8000,
  stackTop: 0x90000,
  /** The cases are copied here and run from RAM. */
  casesRam: 0x100000,
} as const

/** Bytes dumped per case: 9 dwords (EDI…EAX as PUSHAD, EFLAGS), 5-dword fault record, 64 data bytes. */
export const DUMP_BYTES = 36 + 20 + 64

/** Selectors of the runtime GDT. */
export const SEL = {
  code32: 0x08,
  data32: 0x10,
  code16: 0x18,
  data16: 0x20,
  code32User: 0x2b,
  data32User: 0x33,
  tss: 0x38,
  /** Free GDT slots 0x40–0xF8 for cases (written at run time at LAYOUT.gdt + selector). */
  free: 0x40,
} as const

const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17])

/**
 * Builds the complete nasm source of the image. `realCases` is real-mode code (CS = F000, run from ROM) using
 * RCASE_BEGIN / RCASE_END; `cases` is 32-bit code (ring 0, flat, copied to RAM) using CASE_BEGIN / CASE_END.
 * Both run once, in that order, then the image exits through port 0xF4.
 */
export function firmwareSource(cases: string, realCases = ''): string {
  const stubs: string[] = []
  for (let v = 0; v < 32; v++) {
    stubs.push(`align 32
stub_${v}:
${ERROR_CODE_VECTORS.has(v) ? '  pop dword [ss:FAULT_ERR]' : '  mov dword [ss:FAULT_ERR], 0xffffffff'}
  mov dword [ss:FAULT_VEC], ${v}
  jmp fault_common`)
  }
  return `
bits 32
org 0xC0000
section .text start=0xE0000
%define FAULT_VEC ${LAYOUT.faultRecord}
%define FAULT_ERR ${LAYOUT.faultRecord + 4}
%define FAULT_EIP ${LAYOUT.faultRecord + 8}
%define FAULT_CS ${LAYOUT.faultRecord + 12}
%define FAULT_CR2 ${LAYOUT.faultRecord + 16}
%define SAVED_ESP ${LAYOUT.savedEsp}
%define RESUME ${LAYOUT.resume}
%define DATA ${LAYOUT.data}
%define SCRATCH ${LAYOUT.scratch}
%define GDT ${LAYOUT.gdt}
%define IDT ${LAYOUT.idt}
%define CASES_RAM ${LAYOUT.casesRam}

; CASE_BEGIN: remember ESP and where to resume after a fault.
%macro CASE_BEGIN 0
%push casectx
  mov [SAVED_ESP], esp
  mov dword [RESUME], %$end
  jmp %$body
%$end:
  call dump
  call reset_env
  jmp %$out
%$body:
%endmacro
%macro CASE_END 0
  mov esp, [SAVED_ESP]
  jmp [RESUME]
%$out:
%pop
%endmacro

; TASK32 base, eip: a zeroed 32-bit TSS at base whose task is flat ring-0 code at eip (CS 0x08, data 0x10, ESP 0x80000).
%macro TASK32 2
  mov edi, %1
  mov ecx, 0x68 / 4
  xor eax, eax
  rep stosd
  mov dword [%1 + 0x20], %2
  mov dword [%1 + 0x24], 0x2
  mov dword [%1 + 0x38], 0x80000
  mov dword [%1 + 0x48], 0x10
  mov dword [%1 + 0x4c], 0x08
  mov dword [%1 + 0x50], 0x10
  mov dword [%1 + 0x54], 0x10
  mov dword [%1 + 0x58], 0x10
  mov dword [%1 + 0x5c], 0x10
%endmacro
; SETDESC sel, base, limit (20 bits), access byte, flags nibble (G=8, D/B=4)
%macro SETDESC 5
  mov dword [GDT + %1], (((%2) & 0xffff) << 16) | ((%3) & 0xffff)
  mov dword [GDT + %1 + 4], ((%2) & 0xff000000) | ((%5) << 20) | ((%3) & 0xf0000) | ((%4) << 8) | (((%2) >> 16) & 0xff)
%endmacro
; SETGATE sel, target selector, target label, (access byte << 8) | parameter count
%macro SETGATE 4
  mov eax, %3
  and eax, 0xffff
  or eax, (%2) << 16
  mov [GDT + %1], eax
  mov eax, %3
  and eax, 0xffff0000
  or eax, %4
  mov [GDT + %1 + 4], eax
%endmacro
; TO_RING3 label, eflags: IRET to flat ring-3 code with the ring-3 stack at 0x70000.
%macro TO_RING3 2
  mov ax, 0x33
  mov ds, ax
  mov es, ax
  push dword 0x33
  push dword 0x70000
  push dword %2
  push dword 0x2b
  push dword %1
  iretd
%endmacro
; PAGING_ON: identity-map 0–4 MB with 4 KB user-writable pages (PD at 0x20000, PT at 0x21000).
%macro PAGING_ON 0
  mov edi, 0x20000
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [0x20000], 0x21007
  mov edi, 0x21000
  mov eax, 0x7
  mov ecx, 1024
%%l:
  stosd
  add eax, 0x1000
  loop %%l
  mov eax, 0x20000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
%endmacro

pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov fs, ax
  mov gs, ax
  mov esp, ${LAYOUT.stackTop}
  ; Copy the GDT template into RAM so cases can add descriptors, then reload GDTR.
  mov esi, gdt_template
  mov edi, GDT
  mov ecx, (gdt_template_end - gdt_template) / 4
  rep movsd
  mov ecx, (0x800 - (gdt_template_end - gdt_template)) / 4
  xor eax, eax
  rep stosd
  lgdt [gdt_ram_desc]
  ; Build the IDT: 32 trap gates to the recording stubs, DPL 3 so INT n works from every ring.
  mov edi, IDT
  mov ebx, stub_0
  mov ecx, 32
.idt:
  mov eax, ebx
  and eax, 0xffff
  or eax, 0x00080000
  mov [edi], eax
  mov eax, ebx
  and eax, 0xffff0000
  or eax, 0xef00
  mov [edi+4], eax
  add edi, 8
  add ebx, 32
  loop .idt
  mov ecx, (256 - 32) * 2
  xor eax, eax
  rep stosd
  lidt [idt_desc]
  ; A TSS for ring transitions: SS0:ESP0 = data32:stackTop - 0x1000.
  mov edi, SCRATCH
  mov ecx, 0x68 / 4
  xor eax, eax
  rep stosd
  mov dword [SCRATCH + 4], ${LAYOUT.stackTop - 0x1000}
  mov dword [SCRATCH + 8], 0x10
  mov word [SCRATCH + 0x66], 0x68
  mov ax, 0x38
  ltr ax
  mov dword [FAULT_VEC], 0xffffffff
  mov dword [FAULT_ERR], 0
  mov dword [FAULT_EIP], 0
  mov dword [FAULT_CS], 0
  mov dword [FAULT_CR2], 0
  xor eax, eax
  xor ebx, ebx
  xor ecx, ecx
  xor edx, edx
  xor esi, esi
  xor edi, edi
  xor ebp, ebp
  ; Run the cases from RAM (where Boxwood's decoded-instruction cache applies), like an OS would.
  ; The cases sit in the image's first 128 KB, which only the high BIOS alias at 0xFFFC0000 shows.
  mov esi, section.cases.start - 0xC0000 + 0xFFFC0000
  mov edi, CASES_RAM
  mov ecx, cases_end - cases
  rep movsb
  xor ecx, ecx
  xor esi, esi
  xor edi, edi
  jmp cases

fault_common:
  push dword 0x10
  pop ds
  push eax
  mov eax, [esp + 4]
  mov [FAULT_EIP], eax
  mov eax, [esp + 8]
  mov [FAULT_CS], eax
  mov eax, cr2
  mov [FAULT_CR2], eax
  pop eax
  push dword 0x10
  pop es
  push dword 0x10
  pop ss
  mov esp, [SAVED_ESP]
  jmp [RESUME]

; dump: EFLAGS and PUSHAD image, the fault record, the data area → COM1; then clears the fault record.
dump:
  pushfd
  pushad
  push ds
  push es
  push dword 0x10
  pop ds
  push dword 0x10
  pop es
  lea esi, [esp + 8]
  mov ecx, 36
  call out_bytes
  mov esi, FAULT_VEC
  mov ecx, 20
  call out_bytes
  mov esi, DATA
  mov ecx, 64
  call out_bytes
  mov dword [FAULT_VEC], 0xffffffff
  mov dword [FAULT_ERR], 0
  mov dword [FAULT_EIP], 0
  mov dword [FAULT_CS], 0
  mov dword [FAULT_CR2], 0
  pop es
  pop ds
  popad
  popfd
  ret

; reset_env: back to flat ring-0 segments, paging off, TR = 0x38, EFLAGS = 2 (after every case).
reset_env:
  push dword 2
  popfd
  mov eax, cr0
  and eax, 0x7ffefff7
  mov cr0, eax
  xor eax, eax
  mov cr4, eax
  mov dr7, eax
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  mov ss, ax
  xor ax, ax
  lldt ax
  mov byte [GDT + 0x3d], 0x89
  mov ax, 0x38
  ltr ax
  mov dword [SCRATCH + 4], ${LAYOUT.stackTop - 0x1000}
  mov dword [SCRATCH + 8], 0x10
  lidt [idt_desc]
  ret

out_bytes:
  mov dx, 0x3f8
.l:
  lodsb
  out dx, al
  loop .l
  ret

${stubs.join('\n')}

align 8
gdt_template:
  dq 0
  dq 0x00cf9b000000ffff ; 0x08 code32 flat
  dq 0x00cf93000000ffff ; 0x10 data32 flat
  dq 0x00009b000000ffff ; 0x18 code16 base 0
  dq 0x000093000000ffff ; 0x20 data16 base 0
  dq 0x00cffb000000ffff ; 0x28 code32 flat DPL3
  dq 0x00cff3000000ffff ; 0x30 data32 flat DPL3
  dw 0x67, ${LAYOUT.scratch & 0xffff}
  db ${(LAYOUT.scratch >>> 16) & 0xff}, 0x89, 0, 0 ; 0x38 TSS (32-bit, available)
gdt_template_end:
gdt_ram_desc:
  dw 0x7ff
  dd GDT
idt_desc:
  dw 256 * 8 - 1
  dd IDT

finish:
  mov al, 0
  out 0xf4, al
.halt:
  hlt
  jmp .halt

section cases start=0xC0000 vstart=CASES_RAM
cases:
${cases}
  jmp finish
cases_end:

section real16 start=0xF0000 vstart=0xF0000
; ---- real mode: entry from the reset vector, real-mode cases, then on to protected mode ----
bits 16
; RCASE_BEGIN / RCASE_END: real-mode counterparts of CASE_BEGIN / CASE_END (IVT stubs record faults).
%macro RCASE_BEGIN 0
%push rcasectx
  mov [SAVED_ESP], sp
  mov word [RESUME], %$end - 0xF0000
  jmp %$body
%$end:
  call rdump
  call rreset
  jmp %$out
%$body:
%endmacro
%macro RCASE_END 0
  mov sp, [SAVED_ESP]
  jmp word [RESUME]
%$out:
%pop
%endmacro

entry16:
  cli
  cld
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x7000
  ; IVT entries 0–31 → F000:rstub_N
  xor di, di
  mov ax, rstub_0 - 0xF0000
  mov cx, 32
.ivt:
  mov [di], ax
  mov word [di + 2], 0xf000
  add di, 4
  add ax, 16
  loop .ivt
  mov dword [FAULT_VEC], 0xffffffff
  mov dword [FAULT_ERR], 0
  mov dword [FAULT_EIP], 0
  mov dword [FAULT_CS], 0
  mov dword [FAULT_CR2], 0
  xor eax, eax
  xor ebx, ebx
  xor ecx, ecx
  xor edx, edx
  xor esi, esi
  xor edi, edi
  xor ebp, ebp
  jmp realcases

rfault_common:
  pop word [ss:FAULT_EIP]
  mov word [ss:FAULT_EIP + 2], 0
  pop word [ss:FAULT_CS]
  mov word [ss:FAULT_CS + 2], 0
  mov dword [ss:FAULT_ERR], 0xffffffff
  mov dword [ss:FAULT_CR2], 0
  mov sp, [ss:SAVED_ESP]
  push word 0
  pop ds
  jmp word [RESUME]

rdump:
  pushfd
  pushad
  push ds
  push es
  push word 0
  pop ds
  push word 0
  pop es
  mov si, sp
  add si, 4
  mov cx, 36
  call rout
  mov si, FAULT_VEC
  mov cx, 20
  call rout
  mov si, DATA
  mov cx, 64
  call rout
  mov dword [FAULT_VEC], 0xffffffff
  mov dword [FAULT_ERR], 0
  mov dword [FAULT_EIP], 0
  mov dword [FAULT_CS], 0
  mov dword [FAULT_CR2], 0
  pop es
  pop ds
  popad
  popfd
  ret

rout:
  mov dx, 0x3f8
.l:
  lodsb
  out dx, al
  loop .l
  ret

rreset:
  push dword 2
  popfd
  push word 0
  pop ds
  push word 0
  pop es
  push word 0
  pop fs
  push word 0
  pop gs
  ret

${Array.from({ length: 32 }, (_, v) => `align 16\nrstub_${v}:\n  mov dword [ss:FAULT_VEC], ${v}\n  jmp rfault_common`).join('\n')}

realcases:
${realCases}
  ; on to protected mode
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7000
  o32 lgdt [cs:boot_gdt_desc - 0xF0000]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp dword 0x08:pm32
align 8
boot_gdt:
  dq 0
  dq 0x00cf9b000000ffff
  dq 0x00cf93000000ffff
boot_gdt_desc:
  dw 23
  dd boot_gdt

section .tail start=0xFFFF0 vstart=0xFFFF0
  jmp 0xf000:(entry16 - 0xF0000)
  times 0x10 - ($ - $$) db 0
`
}
