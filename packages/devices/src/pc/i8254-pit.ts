/**
 * Intel 8254 PIT: counter 0 → IRQ0, counter 2 → PC speaker (gate and output through port 0x61).
 * Spec: Intel 8254 datasheet ("Control Word Format", "Read-Back Command", modes 0–5), IBM PC/AT technical
 * reference (port 61h). Follows VirtualBox src/VBox/Devices/PC/DevPit-i8254.cpp: counters are computed from
 * the virtual time they were loaded at, and only counter 0's output edges run a timer.
 */
import { array, bool, defineDevice, defineState, i64, struct, u16, u32, u8 } from '@boxwood/vmm/device-api'
import type { ValueOf } from '@boxwood/vmm/device-api'

/** Input clock of every counter (14.31818 MHz / 12). */
export const PIT_HZ = 1_193_182
const NS_PER_S = 1_000_000_000
/** Refresh-request toggle period of port 61h bit 4 (15.085 µs on the AT). */
const REFRESH_NS = 15_085

const RW = { LATCH: 0, LSB: 1, MSB: 2, WORD: 3 } as const

const channelFields = {
  /** Initial count as loaded (1..0x10000; 0 written means 0x10000, or 10000 in BCD). */
  count: u32,
  loadTimeNs: i64,
  mode: u8,
  bcd: bool,
  rwMode: u8,
  /** Read sequencing: which byte of a word the next read returns (0 = LSB, 1 = MSB). */
  readMsb: bool,
  writeMsb: bool,
  writeLatch: u8,
  latchedCount: u16,
  /** 0 = no latch, 1 = LSB then MSB pending, 2 = MSB pending, 3 = one byte pending (LSB/MSB modes). */
  latchState: u8,
  statusLatched: bool,
  status: u8,
  gate: bool,
  /** A count was written but not yet loaded into the counting element (status bit 6). */
  nullCount: bool,
}
type Channel = ValueOf<typeof channelFields>

export const i8254State = defineState({
  unit: 'i8254',
  version: 1,
  fields: {
    channels: array(3, struct(channelFields)),
    speakerData: bool,
    /** Deadline of counter 0's next output edge (-1: none armed). */
    irqDeadlineNs: i64,
    /** IRQ0 output level (modes 0/1 hold it high after the terminal count). */
    irqLevel: bool,
  },
  config: { base: u16, irq: u8 },
})

const ticksSince = (ch: Channel, nowNs: number): number => Math.floor(((nowNs - ch.loadTimeNs) * PIT_HZ) / NS_PER_S)
const nsOfTicks = (ticks: number): number => Math.ceil((ticks * NS_PER_S) / PIT_HZ)

function toBcd(value: number): number {
  let out = 0
  for (let shift = 0; shift < 16; shift += 4) {
    out |= (value % 10) << shift
    value = Math.floor(value / 10)
  }
  return out
}
function fromBcd(value: number): number {
  let out = 0
  for (let shift = 12; shift >= 0; shift -= 4) out = out * 10 + Math.min(9, (value >> shift) & 0xf)
  return out
}

/** The counting element's current value. */
function currentCount(ch: Channel, nowNs: number): number {
  const d = ticksSince(ch, nowNs)
  let value: number
  switch (ch.mode) {
    case 2:
      value = ch.count - (d % ch.count)
      break
    case 3:
      // Square wave counts down by two per clock, twice per period.
      value = ch.count - ((2 * d) % ch.count)
      break
    default: {
      const modulus = ch.bcd ? 10000 : 0x10000
      value = (((ch.count - d) % modulus) + modulus) % modulus
    }
  }
  const clamped = value % (ch.bcd ? 10000 : 0x10000)
  return ch.bcd ? toBcd(clamped) : clamped
}

/** The OUT pin at `nowNs`. */
function outputOf(ch: Channel, nowNs: number): boolean {
  const d = ticksSince(ch, nowNs)
  switch (ch.mode) {
    case 0:
    case 1:
      return d >= ch.count
    case 2:
      return !ch.gate || d % ch.count !== ch.count - 1
    case 3:
      return !ch.gate || d % ch.count < Math.ceil(ch.count / 2)
    default:
      return d !== ch.count
  }
}

/** Tick (since load) of the next rising edge of OUT after tick `d`, or undefined. */
function nextRisingTick(ch: Channel, d: number): number | undefined {
  switch (ch.mode) {
    case 0:
    case 1:
      return d < ch.count ? ch.count : undefined
    case 2:
    case 3:
      return ch.gate ? (Math.floor(d / ch.count) + 1) * ch.count : undefined
    default:
      return d <= ch.count ? ch.count + 1 : undefined
  }
}

function statusOf(ch: Channel, nowNs: number): number {
  return (
    (outputOf(ch, nowNs) ? 0x80 : 0) | (ch.nullCount ? 0x40 : 0) | (ch.rwMode << 4) | (ch.mode << 1) | (ch.bcd ? 1 : 0)
  )
}

/** The i8254 PIT with port 61h: device name `i8254`. */
export const i8254Pit = defineDevice({
  name: 'i8254',
  description: 'Intel 8254 programmable interval timer and port 61h',
  maxInstances: 1,
  config: {
    base: { type: 'u16', default: 0x40 },
    irq: { type: 'u8', default: 0, max: 23 },
    /** Port 61h (speaker gate and output, refresh toggle); 0 = not mapped. */
    speakerPort: { type: 'u16', default: 0x61 },
  },
  savedState: i8254State,
  create(ctx, config) {
    const state = i8254State.initial()
    const channels = state.channels as [Channel, Channel, Channel]
    const irq0 = ctx.irq(config.irq)
    const timer = ctx.timer('counter0', (deadline) => onEdge(deadline))
    const now = (): number => ctx.clock.nowNs()

    /** Arms the timer for counter 0's next rising OUT edge after `fromNs`. */
    function arm(fromNs: number): void {
      const ch = channels[0]
      const tick = nextRisingTick(ch, Math.max(0, ticksSince(ch, fromNs)))
      if (tick === undefined) {
        state.irqDeadlineNs = -1
        timer.cancel()
        return
      }
      let deadline = ch.loadTimeNs + nsOfTicks(tick)
      if (deadline <= fromNs) deadline = fromNs + 1
      state.irqDeadlineNs = deadline
      timer.armAt(deadline)
    }

    function onEdge(deadline: number): void {
      const ch = channels[0]
      if (ch.mode === 0 || ch.mode === 1) {
        state.irqLevel = true
        irq0.raise()
      } else {
        irq0.pulse()
        state.irqLevel = false
      }
      // Coalesce missed periods (a late host) into this one edge, as VirtualBox does.
      arm(Math.max(deadline, now()))
    }

    function setIrqLevel(high: boolean): void {
      state.irqLevel = high
      if (high) irq0.raise()
      else irq0.lower()
    }

    function loadCount(index: number, raw: number): void {
      const ch = channels[index]!
      let value = ch.bcd ? fromBcd(raw) : raw
      if (value === 0) value = ch.bcd ? 10000 : 0x10000
      ch.count = value
      // One clock reading for both: in real time each reading is the host's, and a count shorter than the host's
      // pause between two of them (Linux's one-shot counts go down to ~20 ticks) would find its edge already past.
      const loadNs = now()
      ch.loadTimeNs = loadNs
      ch.nullCount = false
      if (index === 0) {
        if (ch.mode === 0) setIrqLevel(false)
        arm(loadNs)
      }
    }

    function writeCounter(index: number, value: number): void {
      const ch = channels[index]!
      switch (ch.rwMode) {
        case RW.LSB:
          loadCount(index, value)
          break
        case RW.MSB:
          loadCount(index, value << 8)
          break
        default:
          if (!ch.writeMsb) {
            ch.writeLatch = value
            ch.writeMsb = true
            ch.nullCount = true
            // Mode 0: writing the first byte stops the count and drops OUT.
            if (index === 0 && ch.mode === 0) setIrqLevel(false)
          } else {
            ch.writeMsb = false
            loadCount(index, ch.writeLatch | (value << 8))
          }
      }
    }

    function latchCount(ch: Channel): void {
      if (ch.latchState !== 0) return // a latched value is held until read
      ch.latchedCount = currentCount(ch, now())
      ch.latchState = ch.rwMode === RW.WORD ? 1 : 3
    }

    function writeControl(value: number): void {
      const select = value >> 6
      if (select === 3) {
        // Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits 1..3 select counters.
        for (let i = 0; i < 3; i++) {
          if ((value & (2 << i)) === 0) continue
          const ch = channels[i]!
          if ((value & 0x20) === 0) latchCount(ch)
          if ((value & 0x10) === 0 && !ch.statusLatched) {
            ch.status = statusOf(ch, now())
            ch.statusLatched = true
          }
        }
        return
      }
      const ch = channels[select]!
      const rw = (value >> 4) & 3
      if (rw === RW.LATCH) {
        latchCount(ch)
        return
      }
      ch.rwMode = rw
      ch.mode = (value >> 1) & 7
      if (ch.mode > 5) ch.mode -= 4 // modes 6 and 7 alias 2 and 3
      ch.bcd = (value & 1) !== 0
      ch.readMsb = false
      ch.writeMsb = false
      ch.latchState = 0
      ch.nullCount = true
      if (select === 0) {
        // A control word sets OUT low in mode 0 and high in the others; the counter waits for a count.
        setIrqLevel(false)
        state.irqDeadlineNs = -1
        timer.cancel()
      }
    }

    function readCounter(index: number): number {
      const ch = channels[index]!
      if (ch.statusLatched) {
        ch.statusLatched = false
        return ch.status
      }
      if (ch.latchState !== 0) {
        let value: number
        if (ch.latchState === 1) {
          value = ch.latchedCount & 0xff
          ch.latchState = 2
        } else if (ch.latchState === 2) {
          value = ch.latchedCount >> 8
          ch.latchState = 0
        } else {
          value = ch.rwMode === RW.MSB ? ch.latchedCount >> 8 : ch.latchedCount & 0xff
          ch.latchState = 0
        }
        return value
      }
      const count = currentCount(ch, now())
      switch (ch.rwMode) {
        case RW.MSB:
          return count >> 8
        case RW.WORD: {
          const value = ch.readMsb ? count >> 8 : count & 0xff
          ch.readMsb = !ch.readMsb
          return value
        }
        default:
          return count & 0xff
      }
    }

    function setGate2(gate: boolean): void {
      const ch = channels[2]
      // Modes 1, 2, 3 and 5 (re)start on a rising gate edge.
      if (gate && !ch.gate && ch.mode !== 0 && ch.mode !== 4) ch.loadTimeNs = now()
      ch.gate = gate
    }

    ctx
      .ioPorts(
        4,
        {
          sizes: [1],
          read: (offset) => (offset === 3 ? 0xff : readCounter(offset)),
          write(offset, value) {
            if (offset === 3) writeControl(value)
            else writeCounter(offset, value)
          },
        },
        'i8254 PIT',
      )
      .map(config.base)

    if (config.speakerPort !== 0) {
      ctx
        .ioPorts(
          1,
          {
            sizes: [1],
            read: () => {
              const t = now()
              return (
                (channels[2].gate ? 0x01 : 0) |
                (state.speakerData ? 0x02 : 0) |
                (Math.floor(t / REFRESH_NS) & 1 ? 0x10 : 0) |
                (outputOf(channels[2], t) ? 0x20 : 0)
              )
            },
            write(_offset, value) {
              setGate2((value & 1) !== 0)
              state.speakerData = (value & 2) !== 0
            },
          },
          'i8254 port 61h',
        )
        .map(config.speakerPort)
    }

    return {
      state,
      reset() {
        // BIOS-visible power-on state (VirtualBox pitR3Reset): mode 3, count 0x10000, gates 0 and 1 high.
        channels.forEach((ch, i) => {
          Object.assign(ch, {
            count: 0x10000,
            loadTimeNs: now(),
            mode: 3,
            bcd: false,
            rwMode: RW.WORD,
            readMsb: false,
            writeMsb: false,
            writeLatch: 0,
            latchedCount: 0,
            latchState: 0,
            statusLatched: false,
            status: 0,
            gate: i !== 2,
            nullCount: false,
          })
        })
        state.speakerData = false
        state.irqLevel = false
        state.irqDeadlineNs = -1
        timer.cancel()
      },
      afterReset() {
        arm(now())
      },
      afterLoad() {
        if (state.irqLevel) irq0.raise()
        if (state.irqDeadlineNs >= 0) timer.armAt(state.irqDeadlineNs)
      },
    }
  },
})
