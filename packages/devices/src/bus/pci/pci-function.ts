/**
 * A PCI function's type-0 configuration space for device models: identity registers, command/status, BARs
 * with sizing and automatic mapping of their regions when decoding is enabled, interrupt line/pin, and hooks
 * for device-specific registers. The 256 bytes live in the device's saved state. Spec: PCI Local Bus
 * Specification 3.0 §6.1–6.2 (header layout, writable bits), §6.2.5.1 (BAR sizing: write all ones, read
 * the size mask). Follows VirtualBox src/VBox/Devices/Bus/DevPCI.cpp's default config handlers.
 */
import { bytes } from '@boxwood/vmm/device-api'
import type { DeviceContext, IoRegion } from '@boxwood/vmm/device-api'
import { pciBusContract } from './pci-bus'

/** Saved-state field holding a function's configuration space. */
export const pciConfigField = bytes(256)

/** One base address register. */
export interface PciBar {
  readonly kind: 'io' | 'memory'
  /** Size in bytes (a power of two; I/O ≥ 4, memory ≥ 16). */
  readonly size: number
  /** The region mapped at the BAR address while decoding is on (optional: devices may map by `onMap`). */
  readonly region?: IoRegion
  readonly prefetchable?: boolean
  /** Told the new base (or undefined when unmapped). */
  onMap?(base: number | undefined): void
}

/** What a device declares. */
export interface PciFunctionOptions {
  readonly name: string
  /** devfn (device << 3 | function); default: the first free slot ≥ 2, function 0. */
  readonly devfn?: number
  readonly vendorId: number
  readonly deviceId: number
  readonly revision?: number
  /** Class code: base class << 16 | subclass << 8 | programming interface. */
  readonly classCode: number
  readonly headerType?: number
  readonly subsystemVendorId?: number
  readonly subsystemId?: number
  /** INTx pin: 0 none, 1 = INTA … 4 = INTD. */
  readonly interruptPin?: number
  readonly bars?: readonly (PciBar | undefined)[]
  /** Device-specific registers (offset ≥ 0x40 or special header fields): return undefined to use the default. */
  readonly configRead?: (offset: number, size: 1 | 2 | 4) => number | undefined
  /** Return true when handled (the default handler then skips the write). */
  readonly configWrite?: (offset: number, value: number, size: 1 | 2 | 4) => boolean
}

/** The device's handle on its function. */
export interface PciFunctionHandle {
  readonly devfn: number
  /** Drives INTx (level). */
  setIrq(level: boolean): void
  /** Phase-1 reset: identity registers, BARs cleared, decoding off. */
  reset(): void
  /** After a state load: re-map BARs from the loaded config space. */
  afterLoad(): void
  /** Current base of BAR `index` while decoding, else undefined. */
  barBase(index: number): number | undefined
}

const COMMAND = { IO: 0x1, MEMORY: 0x2, MASTER: 0x4, INTX_DISABLE: 0x400 } as const

/** Registers a function on the PCI bus using `config` (from the device's saved state) as its storage. */
export function attachPciFunction(
  ctx: DeviceContext,
  config: Uint8Array,
  options: PciFunctionOptions,
): PciFunctionHandle {
  const bus = ctx.service(pciBusContract)
  if (!bus) throw new Error(`${options.name}: no PCI bus in this machine (add the i440fx device)`)
  const view = new DataView(config.buffer, config.byteOffset, 256)
  const bars = options.bars ?? []
  const mapped: (number | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined]
  let intx = false

  const at = options.devfn ?? bus.freeSlot(2) << 3
  const irq = bus.register(
    at,
    {
      name: options.name,
      configRead: (offset, size) => read(offset, size),
      configWrite: (offset, value, size) => write(offset, value, size),
    },
    options.interruptPin ?? 0,
  )

  function identity(): void {
    config.fill(0)
    view.setUint16(0x00, options.vendorId, true)
    view.setUint16(0x02, options.deviceId, true)
    config[0x08] = options.revision ?? 0
    config[0x09] = options.classCode & 0xff
    config[0x0a] = (options.classCode >> 8) & 0xff
    config[0x0b] = (options.classCode >> 16) & 0xff
    config[0x0e] = options.headerType ?? 0
    view.setUint16(0x2c, options.subsystemVendorId ?? 0, true)
    view.setUint16(0x2e, options.subsystemId ?? 0, true)
    config[0x3d] = options.interruptPin ?? 0
    view.setUint16(0x06, 0x0200, true) // status: DEVSEL medium
    bars.forEach((bar, i) => {
      if (!bar) return
      const low = bar.kind === 'io' ? 0x1 : bar.prefetchable ? 0x8 : 0x0
      view.setUint32(0x10 + i * 4, low, true)
    })
  }

  function barAddress(i: number): number | undefined {
    const bar = bars[i]
    if (!bar) return undefined
    const command = view.getUint16(0x04, true)
    const raw = view.getUint32(0x10 + i * 4, true)
    if (bar.kind === 'io') {
      if (!(command & COMMAND.IO)) return undefined
      const base = raw & 0xffff_fffc & 0xffff
      return base === 0 || base + bar.size > 0x10000 ? undefined : base
    }
    if (!(command & COMMAND.MEMORY)) return undefined
    const base = (raw & 0xffff_fff0) >>> 0
    // All-ones during sizing, 0 (unassigned) and wrap-around never decode.
    return base === 0 || base + bar.size > 2 ** 32 || base === (~(bar.size - 1) & 0xffff_fff0) >>> 0 ? undefined : base
  }

  function remap(): void {
    bars.forEach((bar, i) => {
      if (!bar) return
      const base = barAddress(i)
      if (base === mapped[i]) return
      mapped[i] = base
      try {
        if (base === undefined) bar.region?.unmap()
        else bar.region?.map(base)
      } catch (error) {
        // A guest that programs overlapping BARs gets no decode there (hardware would conflict), not a crash.
        ctx.log.warn(`BAR${i} at ${base?.toString(16)} cannot be mapped`, { error: String(error) })
        mapped[i] = undefined
        bar.region?.unmap()
      }
      bar.onMap?.(mapped[i])
    })
  }

  function read(offset: number, size: 1 | 2 | 4): number {
    const custom = options.configRead?.(offset, size)
    if (custom !== undefined) return custom
    if (size === 1) return config[offset]!
    if (size === 2) return view.getUint16(offset, true)
    return view.getUint32(offset, true)
  }

  function writeByte(offset: number, value: number): void {
    // Writable header bytes: command (0x04–0x05), status write-1-to-clear (0x06–0x07), cache line (0x0C),
    // latency timer (0x0D), BARs (handled whole), interrupt line (0x3C); everything ≥ 0x40 is device-defined.
    if (offset === 0x04) config[offset] = value & 0x07
    else if (offset === 0x05) config[offset] = value & 0x05
    else if (offset === 0x06) config[offset] = config[offset]! & ~value & 0xff
    else if (offset === 0x07) config[offset] = config[offset]! & ~(value & 0xf9) & 0xff
    else if (offset === 0x0c || offset === 0x0d || offset === 0x3c) config[offset] = value
    else if (offset >= 0x40) config[offset] = value
  }

  function write(offset: number, value: number, size: 1 | 2 | 4): void {
    if (options.configWrite?.(offset, value, size)) return
    if (offset >= 0x10 && offset < 0x28) {
      // BARs are written as dwords; narrower writes merge into the dword first.
      const dwordOffset = offset & ~3
      const i = (dwordOffset - 0x10) >> 2
      const bar = bars[i]
      if (!bar) return
      let dword = view.getUint32(dwordOffset, true)
      for (let b = 0; b < size; b++) {
        const shift = ((offset & 3) + b) * 8
        dword = (dword & ~(0xff << shift)) | (((value >>> (b * 8)) & 0xff) << shift)
      }
      const low = bar.kind === 'io' ? 0x1 : bar.prefetchable ? 0x8 : 0x0
      const mask = bar.kind === 'io' ? ~(bar.size - 1) & 0xffff_fffc : ~(bar.size - 1) & 0xffff_fff0
      view.setUint32(dwordOffset, ((dword & mask) | low) >>> 0, true)
      remap()
      return
    }
    for (let b = 0; b < size; b++) writeByte(offset + b, (value >>> (b * 8)) & 0xff)
    if (offset <= 0x05 && offset + size > 0x04) {
      remap()
      updateIrq()
    }
  }

  function updateIrq(): void {
    const disabled = (view.getUint16(0x04, true) & COMMAND.INTX_DISABLE) !== 0
    irq.setIrq(intx && !disabled)
    config[0x06] = intx ? config[0x06]! | 0x08 : config[0x06]! & ~0x08
  }

  return {
    devfn: at,
    setIrq(level) {
      intx = level
      updateIrq()
    },
    reset() {
      identity()
      intx = false
      remap()
    },
    afterLoad() {
      for (const bar of bars) bar?.region?.unmap()
      mapped.fill(undefined)
      remap()
      intx = (config[0x06]! & 0x08) !== 0
      updateIrq()
    },
    barBase: (i) => mapped[i],
  }
}
