// The BIOS32 Service Directory and the protected-mode PCI BIOS behind it (Standard BIOS 32-bit Service Directory
// Proposal rev 0.4; PCI BIOS Specification 2.1 §3.3): a 16-byte "_32_" header in the ROM that protected-mode
// OSes find by scanning E0000h–FFFFFh, its entry point (EAX = service identifier, EBX = 0: returns AL = 0, the
// service's base in EBX, length in ECX and entry offset in EDX, or AL = 80h for an unknown service), and the
// "$PCI" service: the INT 1Ah B1xxh functions called far with 32-bit segments. Both are ROM stubs
// (`push ebp; mov ebp, edx; mov dx, port; out dx, al; pop ebp; retf`) whose OUT traps into the handlers here;
// EBP carries the caller's EDX into the handler, results go straight into the registers and the carry flag.
// The one function with memory operands, B10Eh (Get IRQ Routing Options), takes ES:EDI → { u16 size; u32
// offset; u16 selector } and a data buffer at selector:offset: addresses in the caller's segments, translated
// by its paging (Linux passes kernel virtual addresses). The handlers see only physical memory, so the $PCI
// stub touches those buffers itself, running in the caller's context: it reads the size, traps, writes the
// needed size back and, on success, stores the table through the caller's selector one byte per trap.
import type { FirmwareRegisters } from '@boxwood/vmm/device-api'
import { BiosCall } from './bios-call'
import type { BiosEnv } from './bios-env'
import { pciBios, routingTable } from './pci-bios'

/** "$PCI", the PCI BIOS's service identifier. */
export const PCI_SERVICE_ID = 0x4943_5024

/** The 16-byte BIOS32 Service Directory header for an entry point at physical `entry` (checksum included). */
export function bios32Header(entry: number): Uint8Array {
  const header = new Uint8Array(16)
  header.set([0x5f, 0x33, 0x32, 0x5f]) // "_32_"
  new DataView(header.buffer).setUint32(4, entry >>> 0, true)
  header[8] = 0 // revision
  header[9] = 1 // length in paragraphs
  header[10] = -header.reduce((sum, b) => sum + b, 0) & 0xff
  return header
}

/** The 32-bit stub: preserves EBP, passes EDX in EBP, traps through `port`, returns far. */
export function bios32Stub(port: number): number[] {
  return [0x55, 0x89, 0xd5, 0x66, 0xba, port & 0xff, port >> 8, 0xee, 0x5d, 0xcb]
}

/**
 * The "$PCI" entry (32-bit code): B10Eh as described above, everything else through the generic stub.
 * `port` traps to {@link bios32Pci}, `dataPort` to {@link bios32PciData}.
 */
export function bios32PciStub(port: number, dataPort: number): number[] {
  const [lo, hi] = [port & 0xff, port >> 8]
  return [
    ...[0x66, 0x3d, 0x0e, 0xb1, 0x74, 0x0a], // cmp ax, 0B10Eh; je routing
    ...bios32Stub(port),
    // routing: push ebp, esi, edi, ecx, es; mov ebp, edx; movzx ecx, word [es:edi]; mov dx, port; out dx, al
    ...[0x55, 0x56, 0x57, 0x51, 0x06, 0x89, 0xd5, 0x26, 0x0f, 0xb7, 0x0f, 0x66, 0xba, lo, hi, 0xee],
    // mov [es:edi], cx; jc done; les edi, [es:edi + 2]; cld; xor esi, esi
    ...[0x26, 0x66, 0x89, 0x0f, 0x72, 0x16, 0x26, 0xc4, 0x7f, 0x02, 0xfc, 0x31, 0xf6],
    // next: cmp esi, ecx; jae done; push eax; mov dx, dataPort; out dx, al; stosb; pop eax; inc esi; jmp next
    ...[0x39, 0xce, 0x73, 0x0b, 0x50, 0x66, 0xba, dataPort & 0xff, dataPort >> 8, 0xee, 0xaa, 0x58, 0x46, 0xeb, 0xf1],
    // done: pop es, ecx, edi, esi; mov edx, ebp; pop ebp; retf
    ...[0x07, 0x59, 0x5f, 0x5e, 0x89, 0xea, 0x5d, 0xcb],
  ]
}

/** The caller's EDX (the stub moved it to EBP) back in EDX, the stub's EBP in place. */
function callerRegisters(regs: FirmwareRegisters): FirmwareRegisters {
  return { ...regs, edx: regs.ebp }
}

function setCarry(regs: FirmwareRegisters, on: boolean): void {
  regs.eflags = on ? (regs.eflags | 1) >>> 0 : (regs.eflags & ~1) >>> 0
}

/**
 * The directory's entry: EAX = service identifier, EBX = function selector (0). Only "$PCI" exists; its base
 * is the BIOS segment F0000h (64 KB) and its entry is at `pciEntry` within it.
 */
export function bios32Directory(regs: FirmwareRegisters, pciEntry: number): void {
  const caller = callerRegisters(regs)
  if (caller.ebx >>> 0 !== 0) {
    regs.eax = ((caller.eax & 0xffff_ff00) | 0x81) >>> 0
    regs.edx = caller.edx
    return
  }
  if (caller.eax >>> 0 !== PCI_SERVICE_ID) {
    regs.eax = ((caller.eax & 0xffff_ff00) | 0x80) >>> 0
    regs.edx = caller.edx
    return
  }
  regs.eax = (caller.eax & 0xffff_ff00) >>> 0
  regs.ebx = 0xf_0000
  regs.ecx = 0x1_0000
  regs.edx = pciEntry
}

/** The "$PCI" service entry: the B1xxh functions with 32-bit registers (B10Eh: the stub's part above). */
export function bios32Pci(regs: FirmwareRegisters, env: BiosEnv): void {
  const ebp = regs.ebp
  const call = new BiosCall(callerRegisters(regs), env.dma, false, true)
  if (call.ah !== 0xb1) {
    call.ah = 0x81 // FUNC_NOT_SUPPORTED
    call.carry = true
  } else {
    void pciBios(call, env)
  }
  call.applyTo(regs, false)
  regs.ebp = ebp
  setCarry(regs, call.carry)
}

/** The $PCI stub's data trap: AL = byte ESI of the IRQ routing table (B10Eh's slot entries); EBP is kept. */
export function bios32PciData(regs: FirmwareRegisters, env: BiosEnv): void {
  const table = env.pci ? routingTable(env.pci) : new Uint8Array(0)
  regs.eax = ((regs.eax & 0xffff_ff00) | (table[regs.esi >>> 0] ?? 0)) >>> 0
}
