// Devices for execution-loop tests: a periodic timer on an IRQ line, an edge-latching interrupt controller that
// is the CPU's InterruptSource, and a control port that asks for reset / power-off.
import { defineDevice, defineState, bool, i64, u16, u8 } from '../../src/device-api/index'

const tickerState = defineState({
  unit: 'ticker',
  version: 1,
  fields: { periodUs: u16, ticks: u16, deadlineNs: i64, lateNs: i64 },
})

/** Writes to port 0x40 set the period in µs (0 stops); IRQ 0 pulses every period; port 0x41 reads ticks. */
export const ticker = defineDevice({
  name: 'ticker',
  maxInstances: 1,
  config: {},
  savedState: tickerState,
  create(ctx) {
    const state = tickerState.initial()
    const irq = ctx.irq(0)
    const timer = ctx.timer('tick', (deadline) => {
      state.ticks = (state.ticks + 1) & 0xffff
      state.lateNs = Math.max(state.lateNs, ctx.clock.nowNs() - deadline)
      irq.pulse()
      arm(deadline)
    })
    function arm(from: number): void {
      if (state.periodUs === 0) {
        timer.cancel()
        state.deadlineNs = 0
        return
      }
      state.deadlineNs = from + state.periodUs * 1000
      timer.armAt(state.deadlineNs)
    }
    ctx
      .ioPorts(
        2,
        {
          sizes: [1],
          read: (o) => (o === 1 ? state.ticks & 0xff : state.periodUs & 0xff),
          write: (o, v) => {
            if (o === 0) {
              state.periodUs = v
              arm(ctx.clock.nowNs())
            }
          },
        },
        'ticker',
      )
      .map(0x40)
    return {
      state,
      reset() {
        Object.assign(state, { periodUs: 0, ticks: 0, deadlineNs: 0, lateNs: 0 })
        timer.cancel()
      },
      afterLoad() {
        if (state.periodUs > 0) timer.armAt(state.deadlineNs)
      },
    }
  },
})

const picState = defineState({ unit: 'edge-pic', version: 1, fields: { pending: u16, last: u16, nmi: bool } })

/** Latches rising edges of lines 0..15 and hands out vector 0x20 + line, lowest line first. */
export const edgePic = defineDevice({
  name: 'edge-pic',
  maxInstances: 1,
  config: {},
  savedState: picState,
  create(ctx) {
    const state = picState.initial()
    ctx.interruptController({
      receiver: {
        setIrqLevel(line, level) {
          if (line > 15) return
          const bit = 1 << line
          if (level && !(state.last & bit)) state.pending |= bit
          state.last = level ? state.last | bit : state.last & ~bit
        },
      },
      cpu: {
        hasInterrupt: () => state.pending !== 0,
        acknowledge() {
          const line = 31 - Math.clz32(state.pending & -state.pending)
          state.pending &= ~(1 << line)
          return 0x20 + line
        },
        hasNmi: () => state.nmi,
        acknowledgeNmi: () => (state.nmi = false),
      },
    })
    return { state, reset: () => Object.assign(state, { pending: 0, last: 0, nmi: false }) }
  },
})

const controlState = defineState({ unit: 'control', version: 1, fields: { writes: u8 } })

/** Port 0xCF9-like: write 6 → reset request, write 0x20 → power-off request; also counts writes. */
export const control = defineDevice({
  name: 'control',
  maxInstances: 1,
  config: {},
  savedState: controlState,
  create(ctx) {
    const state = controlState.initial()
    ctx
      .ioPorts(
        1,
        {
          write: (_o, v) => {
            state.writes = (state.writes + 1) & 0xff
            if (v === 6) ctx.machine.requestReset('hard')
            if (v === 0x20) ctx.machine.requestPowerOff()
          },
        },
        'control',
      )
      .map(0xcf9)
    ctx
      .firmwareCalls(
        1,
        (call) => {
          call.regs.eax = (call.regs.eax + call.value) >>> 0
        },
        'fw',
      )
      .map(0x500)
    return { state, reset: () => (state.writes = 0) }
  },
})
