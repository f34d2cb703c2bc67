// A tiny device for testing the testkit and the device API: a periodic timer with an IRQ, a scratch register,
// a 16-byte MMIO window and a firmware-call port. Registers (offsets from the config base):
//   0 scratch (r/w, byte)   1 control: bit0 = run (r/w)   2-3 period in µs (r/w, byte or word)   4 ticks (r)
import { bool, bytes, defineDevice, defineState, i64, u16, u8, type FirmwareCall } from '@boxwood/vmm/device-api'

export const tinyTimerState = defineState({
  unit: 'tiny-timer',
  version: 2,
  minVersion: 1,
  fields: {
    scratch: u8,
    running: bool,
    periodUs: u16,
    ticks: u8,
    deadlineNs: i64,
    window: bytes(16).since(2, new Uint8Array(16)),
  },
  config: { base: u16, irq: u8 },
})

export const tinyTimer = defineDevice({
  name: 'tiny-timer',
  maxInstances: 2,
  config: {
    base: { type: 'u16', default: 0x300 },
    irq: { type: 'u8', default: 5 },
    mmioBase: { type: 'u32', default: 0xfee0_0000 },
  },
  savedState: tinyTimerState,
  create(ctx, config) {
    const state = tinyTimerState.initial()
    const irq = ctx.irq(config.irq)
    const timer = ctx.timer('tick', (deadline) => {
      state.ticks = (state.ticks + 1) & 0xff
      irq.pulse()
      arm(deadline)
    })

    function arm(from: number): void {
      if (state.running && state.periodUs > 0) {
        state.deadlineNs = from + state.periodUs * 1000
        timer.armAt(state.deadlineNs)
      } else {
        state.deadlineNs = 0
        timer.cancel()
      }
    }

    ctx
      .ioPorts(
        5,
        {
          sizes: [1],
          read(offset) {
            switch (offset) {
              case 0:
                return state.scratch
              case 1:
                return state.running ? 1 : 0
              case 2:
                return state.periodUs & 0xff
              case 3:
                return state.periodUs >> 8
              case 4:
                return state.ticks
              default:
                return 0xff
            }
          },
          write(offset, value) {
            if (offset === 0) state.scratch = value
            else if (offset === 1) {
              state.running = (value & 1) === 1
              arm(ctx.clock.nowNs())
            } else if (offset === 2) state.periodUs = (state.periodUs & 0xff00) | value
            else if (offset === 3) state.periodUs = (state.periodUs & 0xff) | (value << 8)
          },
        },
        'tiny timer',
      )
      .map(config.base)

    ctx
      .mmio(
        16,
        {
          read: (offset, size) => {
            let v = 0
            for (let i = 0; i < size; i++) v |= (state.window[(offset + i) & 15] ?? 0) << (8 * i)
            return v >>> 0
          },
          write: (offset, value, size) => {
            for (let i = 0; i < size; i++) state.window[(offset + i) & 15] = (value >>> (8 * i)) & 0xff
          },
          sizes: [1, 2, 4],
        },
        'tiny timer window',
      )
      .map(config.mmioBase)

    ctx
      .firmwareCalls(
        1,
        (call: FirmwareCall) => {
          // "BIOS service": AH=1 returns the tick count in AL and clears CF; anything else sets CF.
          const ah = (call.regs.eax >>> 8) & 0xff
          if (ah === 1) {
            call.regs.eax = (call.regs.eax & ~0xff) | state.ticks
            call.regs.eflags &= ~1
          } else {
            call.regs.eflags |= 1
          }
        },
        'tiny timer firmware call',
      )
      .map(config.base + 0x10)

    return {
      state,
      reset() {
        state.scratch = 0
        state.running = false
        state.periodUs = 0
        state.ticks = 0
        state.deadlineNs = 0
        state.window.fill(0)
        timer.cancel()
      },
      afterLoad() {
        if (state.running && state.deadlineNs > 0) timer.armAt(state.deadlineNs)
        else timer.cancel()
      },
    }
  },
})
