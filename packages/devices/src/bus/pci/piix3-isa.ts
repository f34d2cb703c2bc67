/**
 * Intel 82371SB PIIX3 function 0, the PCI-to-ISA bridge at 00:01.0: identity, PIRQRC[A:D] routing registers
 * (60h–63h) offered to the PCI bus as the PIRQ router, top-of-memory and other ISA-bridge registers stored as
 * written. Spec: PIIX3 datasheet §2.2 (function 0 configuration registers; PIRQRC bit 7 = routing disabled,
 * bits 3:0 = IRQ; defaults 80h). Follows VirtualBox DevPCI.cpp's PIIX3 and QEMU hw/isa/piix.c.
 */
import { defineDevice, defineState } from '@boxwood/vmm/device-api'
import { pirqRouterContract } from './pci-bus'
import type { PirqRouter } from './pci-bus'
import { attachPciFunction, pciConfigField } from './pci-function'

export const piix3State = defineState({ unit: 'piix3', version: 1, fields: { config: pciConfigField } })

/** The PIIX3 ISA bridge: device name `piix3`. */
export const piix3IsaBridge = defineDevice({
  name: 'piix3',
  description: 'PIIX3 PCI-to-ISA bridge with PIRQ routing',
  maxInstances: 1,
  config: {},
  savedState: piix3State,
  create(ctx) {
    const state = piix3State.initial()
    const listeners: (() => void)[] = []
    const handle = attachPciFunction(ctx, state.config, {
      name: 'PIIX3',
      devfn: 1 << 3,
      vendorId: 0x8086,
      deviceId: 0x7000,
      classCode: 0x060100,
      headerType: 0x80, // multi-function (IDE at .1, USB at .2)
      configWrite(offset, value, size) {
        let routingChanged = false
        for (let b = 0; b < size; b++) {
          const o = offset + b
          if (o >= 0x60 && o <= 0x63) {
            state.config[o] = (value >>> (b * 8)) & 0x8f
            routingChanged = true
          } else if (o >= 0x40) {
            state.config[o] = (value >>> (b * 8)) & 0xff
          } else {
            return false
          }
        }
        if (routingChanged) for (const l of listeners) l()
        return true
      },
    })
    const router: PirqRouter = {
      route(pirq) {
        const value = state.config[0x60 + (pirq & 3)]!
        return value & 0x80 ? undefined : value & 0x0f
      },
      onChange: (listener) => listeners.push(listener),
    }
    ctx.provide(pirqRouterContract, router)

    return {
      state,
      reset() {
        handle.reset()
        state.config.fill(0x80, 0x60, 0x64) // PIRQRC A–D: disabled
        state.config[0x69] = 0x02 // top of memory: 1 MiB (the BIOS programs it)
        state.config[0x4c] = 0x4d // ISA I/O recovery timer default
      },
      afterLoad() {
        handle.afterLoad()
        for (const l of listeners) l()
      },
    }
  },
})
