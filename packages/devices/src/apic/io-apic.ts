/**
 * Intel 82093AA I/O APIC (24 pins) at FEC00000h: IOREGSEL/IOWIN indirect registers, redirection table with
 * edge and level (remote IRR) semantics, masking, and the EOI register of version 0x20 parts. ISA IRQ0 arrives
 * on pin 2 (the MADT interrupt source override). Spec: 82093AA datasheet §3.2 (registers, redirection entry
 * bits), Intel SDM vol. 3A §11.8.5 (EOI for level-triggered interrupts). Follows VirtualBox DevIoApic.cpp.
 */
import { array, bool, defineDevice, defineState, u32, u8 } from '@boxwood/vmm/device-api'
import { apicBusContract, deliveryModeOf } from './apic-bus'
import type { ApicBus } from './apic-bus'

const PINS = 24
const MASKED = 0x1_0000
const REMOTE_IRR = 0x4000
const LEVEL = 0x8000
const POLARITY_LOW = 0x2000

export const ioApicState = defineState({
  unit: 'ioapic',
  version: 1,
  fields: {
    select: u8,
    id: u8,
    /** Low and high dwords of each redirection entry. */
    redirLow: array(PINS, u32),
    redirHigh: array(PINS, u32),
    /** Pin levels as last seen (asserted = true, before polarity). */
    levels: array(PINS, bool),
  },
})

/** The I/O APIC: device name `ioapic`. */
export const ioApic = defineDevice({
  name: 'ioapic',
  description: '82093AA I/O APIC, 24 pins',
  maxInstances: 1,
  config: {
    address: { type: 'u32', default: 0xfec0_0000 },
    id: { type: 'u8', default: 1, max: 15 },
  },
  savedState: ioApicState,
  create(ctx, config) {
    const state = ioApicState.initial()
    let bus: ApicBus | undefined

    const asserted = (pin: number): boolean => state.levels[pin]! !== ((state.redirLow[pin]! & POLARITY_LOW) !== 0)

    function deliver(pin: number): void {
      const low = state.redirLow[pin]!
      if (low & MASKED || !bus) return
      const level = (low & LEVEL) !== 0
      if (level && low & REMOTE_IRR) return
      const accepted = bus.deliver({
        vector: low & 0xff,
        mode: deliveryModeOf((low >> 8) & 7),
        levelTriggered: level,
        destination: state.redirHigh[pin]! >>> 24,
        logical: (low & 0x800) !== 0,
      })
      if (accepted && level) state.redirLow[pin] = (low | REMOTE_IRR) >>> 0
    }

    function setPin(pin: number, level: boolean): void {
      const wasAsserted = asserted(pin)
      state.levels[pin] = level
      const now = asserted(pin)
      const levelTriggered = (state.redirLow[pin]! & LEVEL) !== 0
      if (now && (levelTriggered || !wasAsserted)) deliver(pin)
    }

    ctx.interruptController({
      receiver: {
        setIrqLevel(line, level) {
          if (line === 2) return // the PIC cascade never reaches the I/O APIC
          const pin = line === 0 ? 2 : line
          if (pin < PINS) setPin(pin, level)
        },
      },
    })

    function eoi(vector: number): void {
      for (let pin = 0; pin < PINS; pin++) {
        const low = state.redirLow[pin]!
        if ((low & 0xff) === vector && low & REMOTE_IRR) {
          state.redirLow[pin] = (low & ~REMOTE_IRR) >>> 0
          if (low & LEVEL && asserted(pin)) deliver(pin)
        }
      }
    }

    function readRegister(): number {
      const r = state.select
      if (r === 0) return state.id << 24
      if (r === 1) return 0x0017_0020 // 24 entries, version 0x20
      if (r === 2) return state.id << 24
      if (r >= 0x10 && r < 0x10 + PINS * 2) {
        const pin = (r - 0x10) >> 1
        return r & 1 ? state.redirHigh[pin]! : state.redirLow[pin]!
      }
      return 0xffff_ffff
    }

    function writeRegister(value: number): void {
      const r = state.select
      if (r === 0) {
        state.id = (value >>> 24) & 0x0f
        return
      }
      if (r >= 0x10 && r < 0x10 + PINS * 2) {
        const pin = (r - 0x10) >> 1
        if (r & 1) {
          state.redirHigh[pin] = (value & 0xff00_0000) >>> 0
        } else {
          // Delivery status and remote IRR are read-only.
          const keep = state.redirLow[pin]! & (REMOTE_IRR | 0x1000)
          state.redirLow[pin] = ((value & ~(REMOTE_IRR | 0x1000)) | keep) >>> 0
          if (asserted(pin) && state.redirLow[pin]! & LEVEL) deliver(pin)
        }
      }
    }

    ctx
      .mmio(
        0x1000,
        {
          sizes: [4],
          read(offset) {
            if (offset === 0x00) return state.select
            if (offset === 0x10) return readRegister()
            return 0
          },
          write(offset, value) {
            if (offset === 0x00) state.select = value & 0xff
            else if (offset === 0x10) writeRegister(value >>> 0)
            else if (offset === 0x40) eoi(value & 0xff)
          },
        },
        'I/O APIC',
      )
      .map(config.address)

    return {
      state,
      reset() {
        state.select = 0
        state.id = config.id
        state.redirLow.fill(MASKED)
        state.redirHigh.fill(0)
        state.levels.fill(false)
      },
      afterReset() {
        if (!bus) {
          bus = ctx.service(apicBusContract)
          bus?.onEoi(eoi)
        }
      },
      afterLoad() {
        if (!bus) {
          bus = ctx.service(apicBusContract)
          bus?.onEoi(eoi)
        }
      },
    }
  },
})
