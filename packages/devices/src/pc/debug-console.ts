/**
 * The Bochs/QEMU debug console port (0xE9; SeaBIOS and VirtualBox's BIOS also use 0x402): every byte written
 * goes to a char backend; reads return 0xE9 so guests can detect the port (Bochs "port e9 hack").
 * Spec: Bochs documentation "Port E9 Hack"; QEMU hw/char/debugcon.c (readback value).
 */
import { defineDevice, defineState, u32 } from '@boxwood/vmm/device-api'
import { charBackendContract } from '../backends/char-backend'

export const debugConsoleState = defineState({ unit: 'debugcon', version: 1, fields: { bytesWritten: u32 } })

/** A debug console: device name `debugcon`; instance 0 at 0x402, instance 1 at 0xE9 by config. */
export const debugConsole = defineDevice({
  name: 'debugcon',
  description: 'Bochs/QEMU debug console port',
  maxInstances: 2,
  config: {
    base: { type: 'u16', default: 0xe9 },
    /** The value port reads return (detection). */
    readback: { type: 'u8', default: 0xe9 },
  },
  savedState: debugConsoleState,
  create(ctx, config) {
    const state = debugConsoleState.initial()
    const backend = ctx.attach(0, charBackendContract)
    const one = new Uint8Array(1)
    ctx
      .ioPorts(
        1,
        {
          sizes: [1],
          read: () => config.readback,
          write(_offset, value) {
            state.bytesWritten = (state.bytesWritten + 1) >>> 0
            one[0] = value
            backend?.write(one)
          },
        },
        `debug console ${config.base.toString(16)}h`,
      )
      .map(config.base)
    return {
      state,
      reset(kind) {
        if (kind === 'power-on') state.bytesWritten = 0
      },
    }
  },
})
