/**
 * PC architecture odds and ends: System Control Port A (0x92: fast A20 gate, fast reset) and the math
 * coprocessor ports 0xF0/0xF1 (writes clear the FPU busy latch on an AT; reads float high).
 * Spec: IBM PS/2 technical reference "System Control Port A"; PIIX3 datasheet §4.1 (port 92h).
 * Follows VirtualBox src/VBox/Devices/PC/DevPcArch.cpp.
 */
import { bool, defineDevice, defineState, u16 } from '@boxwood/vmm/device-api'

const PORT92 = { FAST_RESET: 0x01, A20: 0x02 } as const

export const pcArchState = defineState({
  unit: 'pcarch',
  version: 1,
  /** Port 92h bits other than A20 and reset read back as written (bit 3 is the power-on password lock). */
  fields: { port92: u16, a20: bool },
})

/** Port 92h and the FPU ports: device name `pcarch` (VirtualBox's name). */
export const pcArch = defineDevice({
  name: 'pcarch',
  description: 'PC architecture: port 92h (fast A20 / reset), FPU ports F0h-F1h',
  maxInstances: 1,
  config: {},
  savedState: pcArchState,
  create(ctx) {
    const state = pcArchState.initial()
    ctx
      .ioPorts(
        1,
        {
          sizes: [1],
          read: () => (state.port92 & ~PORT92.A20 & 0xff) | (ctx.machine.a20Enabled ? PORT92.A20 : 0),
          write(_offset, value) {
            const a20 = (value & PORT92.A20) !== 0
            state.port92 = value & ~PORT92.FAST_RESET & 0xff
            state.a20 = a20
            if (a20 !== ctx.machine.a20Enabled) ctx.machine.setA20(a20)
            // A 0 → 1 transition of bit 0 pulses the CPU reset line (the A20 setting survives: PIIX3).
            if (value & PORT92.FAST_RESET) ctx.machine.requestReset('soft')
          },
        },
        'pcarch port 92h',
      )
      .map(0x92)
    ctx.ioPorts(2, { sizes: [1], read: () => 0xff, write: () => {} }, 'pcarch FPU F0h-F1h').map(0xf0)
    return {
      state,
      reset(kind) {
        state.port92 = 0
        state.a20 = kind !== 'soft' ? true : state.a20
      },
      afterLoad() {
        ctx.machine.setA20(state.a20)
      },
    }
  },
})
