/**
 * Intel 82441FX (i440FX) PCI host bridge at 00:00.0: configuration mechanism #1 (CF8h address, CFCh–CFFh data),
 * the PIIX3 reset control register at CF9h, bus 0 with INTx swizzling to PIRQ A–D, and the PAM/SMRAM registers
 * (stored; RAM stands in for the shadow). Spec: PCI Local Bus Specification 3.0 §3.2.2.3.2 (mechanism #1);
 * i440FX datasheet §3.2 (configuration registers); PIIX3 datasheet §4.1.6 (RC, CF9h); PCI-to-PCI bridge
 * architecture §9.1 (INTx swizzle: pin + device). Follows VirtualBox src/VBox/Devices/Bus/DevPCI.cpp.
 */
import { bytes, defineDevice, defineState, u32, u8 } from '@boxwood/vmm/device-api'
import type { IrqLine } from '@boxwood/vmm/device-api'
import { devfn as makeDevfn, pciBusContract, pirqRouterContract } from './pci-bus'
import type { PciBus, PciFunction, PirqRouter } from './pci-bus'

export const i440fxState = defineState({
  unit: 'i440fx',
  version: 1,
  fields: { address: u32, resetControl: u8, config: bytes(256) },
})

/** What a configuration read returns when no function answers (master abort). */
const ALL_ONES = { 1: 0xff, 2: 0xffff, 4: 0xffff_ffff } as const

/** The i440FX host bridge and PCI bus 0: device name `i440fx`. */
export const i440fxHostBridge = defineDevice({
  name: 'i440fx',
  description: 'i440FX PCI host bridge, configuration mechanism #1, bus 0',
  maxInstances: 1,
  config: {
    /** GSI of PIRQ A (B–D follow) on the I/O APIC; 0 = do not drive GSIs (PIC-only machines). */
    pirqGsiBase: { type: 'u8', default: 16, max: 20 },
  },
  savedState: i440fxState,
  create(ctx, config) {
    const state = i440fxState.initial()
    const functions = new Map<number, { fn: PciFunction; pin: number; level: boolean }>()
    const isaLines: IrqLine[] = Array.from({ length: 16 }, (_, i) => ctx.irq(i))
    const gsiLines: IrqLine[] =
      config.pirqGsiBase === 0 ? [] : Array.from({ length: 4 }, (_, i) => ctx.irq(config.pirqGsiBase + i))
    let router: PirqRouter | undefined
    const view = new DataView(state.config.buffer)

    /** Recomputes every PIRQ's level (wired-OR of the functions swizzled onto it) and drives its targets. */
    function routeIrqs(): void {
      const pirqLevel = [false, false, false, false]
      for (const [at, entry] of functions) {
        if (entry.level && entry.pin > 0) pirqLevel[(entry.pin - 1 + (at >> 3)) & 3] = true
      }
      const isaLevel = new Array<boolean>(16).fill(false)
      pirqLevel.forEach((level, pirq) => {
        const isa = router?.route(pirq)
        // IRQ 0, 1, 2, 8 and 13 cannot take PCI interrupts (PIIX3 PIRQRC note).
        if (level && isa !== undefined && isa < 16 && ![0, 1, 2, 8, 13].includes(isa)) isaLevel[isa] = true
        const gsi = gsiLines[pirq]
        if (gsi) {
          if (level) gsi.raise()
          else gsi.lower()
        }
      })
      // Only lines a PCI function could drive are touched, so ISA devices' own drivers are unaffected.
      isaLevel.forEach((level, line) => {
        if (level) isaLines[line]!.raise()
        else isaLines[line]!.lower()
      })
    }

    const bus: PciBus = {
      register(at, fn, pin) {
        if (!Number.isInteger(at) || at < 0 || at > 0xff) throw new RangeError(`devfn ${at} is not 0..255`)
        if (functions.has(at)) throw new Error(`PCI 00:${(at >> 3).toString(16)}.${at & 7} is taken`)
        const entry = { fn, pin: pin & 7, level: false }
        functions.set(at, entry)
        return {
          setIrq(level) {
            if (entry.level === level) return
            entry.level = level
            routeIrqs()
          },
        }
      },
      freeSlot(from = 1) {
        for (let d = from; d < 32; d++) if (![...functions.keys()].some((k) => k >> 3 === d)) return d
        throw new Error('PCI bus 0 is full')
      },
      configRead(at, offset, size) {
        const entry = functions.get(at)
        if (!entry || offset < 0 || offset + size > 256 || offset % size !== 0) return ALL_ONES[size]
        return entry.fn.configRead(offset, size)
      },
      configWrite(at, offset, value, size) {
        const entry = functions.get(at)
        if (!entry || offset < 0 || offset + size > 256 || offset % size !== 0) return
        entry.fn.configWrite(offset, value, size)
      },
    }
    ctx.provide(pciBusContract, bus)

    // The host bridge's own configuration space at 00:00.0.
    bus.register(
      makeDevfn(0),
      {
        name: 'i440FX',
        configRead(offset, size) {
          return size === 1
            ? state.config[offset]!
            : size === 2
              ? view.getUint16(offset, true)
              : view.getUint32(offset, true)
        },
        configWrite(offset, value, size) {
          for (let b = 0; b < size; b++) {
            const o = offset + b
            const v = (value >>> (b * 8)) & 0xff
            // Command, latency timer, and the chipset registers (PAM 59h–5Fh, DRB 60h–67h, SMRAM 72h).
            if (o === 0x04) state.config[o] = (v & 0x06) | 0x00
            else if (o === 0x0d || o >= 0x50) state.config[o] = v
          }
        },
      },
      0,
    )

    function target(): { fn: PciFunction; offset: number } | undefined {
      const a = state.address
      if (!(a & 0x8000_0000)) return undefined
      if (((a >> 16) & 0xff) !== 0) return undefined // only bus 0 exists
      const fn = functions.get((a >> 8) & 0xff)
      return fn ? { fn: fn.fn, offset: a & 0xfc } : undefined
    }

    ctx
      .ioPorts(
        8,
        {
          sizes: [1, 2, 4],
          read(offset, size) {
            if (offset < 4) {
              if (offset === 1 && size === 1) return state.resetControl
              return offset === 0 && size === 4
                ? state.address >>> 0
                : size === 4
                  ? 0xffff_ffff
                  : size === 2
                    ? 0xffff
                    : 0xff
            }
            const t = target()
            // No device answers: master abort, all ones.
            if (!t) return size === 4 ? 0xffff_ffff : size === 2 ? 0xffff : 0xff
            const at = t.offset + (offset - 4)
            if (at % size !== 0) return size === 4 ? 0xffff_ffff : 0xffff
            return t.fn.configRead(at, size)
          },
          write(offset, value, size) {
            if (offset < 4) {
              if (offset === 0 && size === 4) state.address = (value & 0x80ff_fffc) >>> 0
              else if (offset === 1 && size === 1) {
                // Reset control (CF9h): bit 2 going 0 → 1 resets; bit 1 selects a hard reset.
                const start = (value & 0x04) !== 0 && (state.resetControl & 0x04) === 0
                state.resetControl = value & 0x02
                if (start) ctx.machine.requestReset(value & 0x02 ? 'hard' : 'soft')
              }
              return
            }
            const t = target()
            if (!t) return
            const at = t.offset + (offset - 4)
            if (at % size !== 0) return
            t.fn.configWrite(at, value, size)
          },
        },
        'PCI configuration mechanism #1',
      )
      .map(0xcf8)

    return {
      state,
      reset() {
        state.address = 0
        state.resetControl = 0
        state.config.fill(0)
        view.setUint16(0x00, 0x8086, true)
        view.setUint16(0x02, 0x1237, true)
        view.setUint16(0x04, 0x0006, true)
        view.setUint16(0x06, 0x0280, true)
        state.config[0x08] = 0x02
        state.config[0x0b] = 0x06 // host bridge
        for (const entry of functions.values()) entry.level = false
      },
      afterReset() {
        if (!router) {
          router = ctx.service(pirqRouterContract)
          router?.onChange(routeIrqs)
        }
        routeIrqs()
      },
      afterLoad() {
        if (!router) {
          router = ctx.service(pirqRouterContract)
          router?.onChange(routeIrqs)
        }
        routeIrqs()
      },
    }
  },
})
