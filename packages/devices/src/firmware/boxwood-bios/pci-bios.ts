// INT 1Ah AH=B1h, the PCI BIOS (real mode, and protected mode through the BIOS32 entry of bios32.ts):
// installation check, find device / find class code, configuration read and write (byte, word, dword), and
// the PIRQ routing options. Status in AH, carry on error.
// Spec: PCI BIOS Specification 2.1 §3 (function codes, return codes, the IRQ routing buffer and slot entries).
import type { PciBus } from '../../bus/pci/pci-bus'
import type { BiosCall } from './bios-call'
import type { BiosEnv, HandlerResult } from './bios-env'
import { PCI_PIRQ_IRQS, pirqOf, scanPciBus } from './pci-init'

/** PCI BIOS return codes (AH). */
export const PCI_STATUS = {
  SUCCESSFUL: 0x00,
  FUNC_NOT_SUPPORTED: 0x81,
  BAD_VENDOR_ID: 0x83,
  DEVICE_NOT_FOUND: 0x86,
  BAD_REGISTER_NUMBER: 0x87,
  SET_FAILED: 0x88,
  BUFFER_TOO_SMALL: 0x89,
} as const

/** "PCI " in EDX after the installation check. */
const PCI_SIGNATURE = 0x2049_4350

/** The Nth function (bus 0) matching `match`, as BH = bus, BL = devfn. */
function find(call: BiosCall, bus: PciBus, match: (devfn: number) => boolean): void {
  const hit = scanPciBus(bus).filter(match)[call.si]
  if (hit === undefined) return status(call, PCI_STATUS.DEVICE_NOT_FOUND)
  call.bh = 0
  call.bl = hit
  status(call, PCI_STATUS.SUCCESSFUL)
}

function status(call: BiosCall, code: number): void {
  call.ah = code
  call.carry = code !== PCI_STATUS.SUCCESSFUL
}

/** Slot entries of the routing table: one per device on bus 0 with an INTx pin (16 bytes each). */
function routingEntries(bus: PciBus): Uint8Array[] {
  const slots = new Set<number>()
  for (const devfn of scanPciBus(bus)) if ((bus.configRead(devfn, 0x3d, 1) & 7) !== 0) slots.add(devfn >> 3)
  const irqMap = PCI_PIRQ_IRQS.reduce((m, irq) => m | (1 << irq), 0)
  return [...slots].map((slot) => {
    const entry = new Uint8Array(16)
    entry[0] = 0
    entry[1] = slot << 3
    for (let pin = 1; pin <= 4; pin++) {
      // Link values are the PIIX3 PIRQRC register offsets (60h–63h), the convention of $PIR tables.
      entry[2 + (pin - 1) * 3] = 0x60 + pirqOf(slot, pin)
      entry[3 + (pin - 1) * 3] = irqMap & 0xff
      entry[4 + (pin - 1) * 3] = irqMap >> 8
    }
    entry[14] = slot // physical slot number (embedded devices count too)
    return entry
  })
}

/** The routing table B10Eh returns: the slot entries back to back. */
export function routingTable(bus: PciBus): Uint8Array {
  const entries = routingEntries(bus)
  const table = new Uint8Array(entries.length * 16)
  entries.forEach((e, i) => table.set(e, i * 16))
  return table
}

/** INT 1Ah AH=B1h. */
export function pciBios(call: BiosCall, env: BiosEnv): HandlerResult {
  const bus = env.pci
  if (!bus) return status(call, PCI_STATUS.FUNC_NOT_SUPPORTED)
  const register = call.di
  const target = () => (call.bh === 0 ? call.bl : undefined)
  const aligned = (size: number) => register <= 0xff && register % size === 0
  switch (call.al) {
    case 0x01:
      // Present; configuration mechanism #1; version 2.10; last bus 0.
      call.regs.edx = PCI_SIGNATURE
      call.dx = PCI_SIGNATURE & 0xffff
      call.al = 0x01
      call.bh = 0x02
      call.bl = 0x10
      call.cl = 0
      call.regs.edi = 0
      return status(call, PCI_STATUS.SUCCESSFUL)
    case 0x02:
      if (call.dx === 0xffff) return status(call, PCI_STATUS.BAD_VENDOR_ID)
      return find(
        call,
        bus,
        (devfn) => bus.configRead(devfn, 0, 2) === call.dx && bus.configRead(devfn, 2, 2) === call.cx,
      )
    case 0x03: {
      const classCode = call.regs.ecx & 0xff_ffff
      return find(call, bus, (devfn) => bus.configRead(devfn, 0x08, 4) >>> 8 === classCode)
    }
    case 0x08:
    case 0x09:
    case 0x0a: {
      const size = call.al === 0x08 ? 1 : call.al === 0x09 ? 2 : 4
      if (!aligned(size)) return status(call, PCI_STATUS.BAD_REGISTER_NUMBER)
      const at = target()
      // Buses other than 0 do not exist: a master abort reads all ones.
      const value = at === undefined ? 2 ** (size * 8) - 1 : bus.configRead(at, register, size)
      if (size === 1) call.cl = value
      else if (size === 2) call.cx = value
      else call.regs.ecx = value >>> 0
      return status(call, PCI_STATUS.SUCCESSFUL)
    }
    case 0x0b:
    case 0x0c:
    case 0x0d: {
      const size = call.al === 0x0b ? 1 : call.al === 0x0c ? 2 : 4
      if (!aligned(size)) return status(call, PCI_STATUS.BAD_REGISTER_NUMBER)
      const at = target()
      const value = size === 1 ? call.cl : size === 2 ? call.cx : call.regs.ecx >>> 0
      if (at !== undefined) bus.configWrite(at, register, value, size)
      return status(call, PCI_STATUS.SUCCESSFUL)
    }
    case 0x0e: {
      // ES:DI → { u16 size; u16 offset; u16 segment } of the caller's buffer; BX = IRQs dedicated to PCI. A
      // 32-bit caller's buffers are in its own segments and paging: its $PCI stub passes the size in ECX, takes
      // the needed size back in ECX and moves the table itself (bios32.ts).
      const table = routingTable(bus)
      call.bx = PCI_PIRQ_IRQS.reduce((m, irq) => m | (1 << irq), 0)
      if (call.flat) {
        const capacity = call.regs.ecx & 0xffff
        call.regs.ecx = table.length
        return status(call, capacity < table.length ? PCI_STATUS.BUFFER_TOO_SMALL : PCI_STATUS.SUCCESSFUL)
      }
      const options = call.di
      const capacity = call.read16(call.es, options)
      call.write16(call.es, options, table.length)
      if (capacity < table.length) return status(call, PCI_STATUS.BUFFER_TOO_SMALL)
      call.writeBytes(call.read16(call.es, options + 4), call.read16(call.es, options + 2), table)
      return status(call, PCI_STATUS.SUCCESSFUL)
    }
    default:
      return status(call, PCI_STATUS.FUNC_NOT_SUPPORTED)
  }
}
