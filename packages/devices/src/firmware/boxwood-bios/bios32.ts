// The BIOS32 Service Directory and the protected-mode PCI BIOS behind it (Standard BIOS 32-bit Service Directory
// Proposal rev 0.4; PCI BIOS Specification 2.1 §3.3): a 16-byte "_32_" header in the ROM that protected-mode
// OSes find by scanning E0000h–FFFFFh, its entry point (EAX = service identifier, EBX = 0: returns AL = 0, the
// service's base in EBX, length in ECX and entry offset in EDX, or AL = 80h for an unknown service), and the
// "$PCI" service: the INT 1Ah B1xxh functions called far with flat 32-bit segments. Both are ROM stubs
// (`push ebp; mov ebp, edx; mov dx, port; out dx, al; pop ebp; retf`) whose OUT traps into the handlers here;
// EBP carries the caller's EDX into the handler, results go straight into the registers and the carry flag.
// Memory operands (only B10Eh has one) are taken as physical addresses: right for flat callers without paging
// or with an identity map; a paged caller's virtual buffer (Linux's, with pci=biosirq) is not translated.
import type { FirmwareRegisters } from '@boxwood/vmm/device-api'
import { BiosCall } from './bios-call'
import type { BiosEnv } from './bios-env'
import { pciBios } from './pci-bios'

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

/** The "$PCI" service entry: the B1xxh functions with 32-bit registers and flat memory operands. */
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
