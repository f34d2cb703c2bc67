/**
 * Motorola MC146818 RTC + CMOS RAM (index 0x70 with NMI mask bit, data 0x71; optional second bank 0x72/0x73).
 * Spec: MC146818A datasheet (registers A–D, periodic rates, alarm "don't care" codes, update cycle with UIP
 * 244 µs before the update), IBM AT technical reference (CMOS layout, century at 0x32). Follows VirtualBox
 * src/VBox/Devices/PC/DevRTC.cpp. Host time never enters here except as config (`startTime`, seconds since the
 * Unix epoch at virtual time 0); from there the clock runs on virtual time.
 */
import { bool, bytes, defineDevice, defineState, f64, i64, u16, u8 } from '@boxwood/vmm/device-api'
import { civilFromEpochSeconds, epochSecondsFromCivil } from './civil-time'

const REG = {
  SEC: 0,
  SEC_ALARM: 1,
  MIN: 2,
  MIN_ALARM: 3,
  HOUR: 4,
  HOUR_ALARM: 5,
  WDAY: 6,
  MDAY: 7,
  MONTH: 8,
  YEAR: 9,
  A: 10,
  B: 11,
  C: 12,
  D: 13,
} as const
const B = { SET: 0x80, PIE: 0x40, AIE: 0x20, UIE: 0x10, SQWE: 0x08, DM_BINARY: 0x04, H24: 0x02, DSE: 0x01 } as const
const C = { IRQF: 0x80, PF: 0x40, AF: 0x20, UF: 0x10 } as const
const A_UIP = 0x80
/** The century byte of the IBM layout (SeaBIOS, Linux and Windows read it here). */
export const CMOS_CENTURY = 0x32
const NS_PER_S = 1_000_000_000
/** The update-in-progress window before each second boundary. */
const UIP_NS = 244_000

export const mc146818State = defineState({
  unit: 'mc146818',
  version: 1,
  fields: {
    cmos: bytes(256),
    index: u8,
    /** Index register of the second bank (0x72). */
    extIndex: u8,
    /** Port 0x70 bit 7 as last written (NMI disable), readable on some chipsets. */
    nmiDisabled: bool,
    /** Guest time in seconds since the epoch at virtual time `baseNs` (may be fractional). */
    baseSeconds: f64,
    baseNs: i64,
    /** The second (epoch) whose update was last processed for the UF/AF flags. */
    lastUpdateSecond: f64,
    periodicDeadlineNs: i64,
    updateDeadlineNs: i64,
  },
  config: { base: u16, irq: u8 },
})

/** The MC146818 RTC/CMOS: device name `mc146818`. */
export const mc146818Rtc = defineDevice({
  name: 'mc146818',
  description: 'MC146818 real-time clock and CMOS RAM',
  maxInstances: 1,
  config: {
    base: { type: 'u16', default: 0x70 },
    irq: { type: 'u8', default: 8, max: 23 },
    /** Map the second 128-byte bank at base + 2 (VirtualBox: 256 bytes of CMOS). */
    extendedBank: { type: 'bool', default: true },
    /** Guest wall-clock time at power-on, in seconds since 1970-01-01 (local time when `utc` is false). */
    startTime: { type: 'number', default: 1_704_067_200 },
    /** Initial CMOS bytes (e.g. from buildCmosImage); up to 256, applied at power-on over offsets 0x0E+. */
    image: { type: 'bytes', optional: true },
  },
  savedState: mc146818State,
  create(ctx, config) {
    const state = mc146818State.initial()
    const cmos = state.cmos
    const irq = ctx.irq(config.irq)
    const periodic = ctx.timer('periodic', (deadline) => onPeriodic(deadline))
    const update = ctx.timer('update', (deadline) => onUpdate(deadline))
    const now = (): number => ctx.clock.nowNs()

    const binary = (): boolean => (cmos[REG.B]! & B.DM_BINARY) !== 0
    const toReg = (v: number): number => (binary() ? v : ((Math.floor(v / 10) << 4) | (v % 10)) & 0xff)
    const fromReg = (v: number): number => (binary() ? v : (v >> 4) * 10 + (v & 0x0f))
    const running = (): boolean => (cmos[REG.B]! & B.SET) === 0 && (cmos[REG.A]! & 0x70) === 0x20

    const secondsNow = (): number => state.baseSeconds + (now() - state.baseNs) / NS_PER_S

    /** Writes the calendar registers from the running clock (what a read sees). */
    function latchTime(): void {
      const t = civilFromEpochSeconds(Math.floor(secondsNow()))
      cmos[REG.SEC] = toReg(t.second)
      cmos[REG.MIN] = toReg(t.minute)
      if (cmos[REG.B]! & B.H24) {
        cmos[REG.HOUR] = toReg(t.hour)
      } else {
        const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12
        cmos[REG.HOUR] = toReg(h12) | (t.hour >= 12 ? 0x80 : 0)
      }
      cmos[REG.WDAY] = toReg(t.weekday + 1)
      cmos[REG.MDAY] = toReg(t.day)
      cmos[REG.MONTH] = toReg(t.month)
      cmos[REG.YEAR] = toReg(t.year % 100)
      cmos[CMOS_CENTURY] = toReg(Math.floor(t.year / 100))
    }

    /** Takes the calendar registers the guest set as the new time base (SET cleared). */
    function adoptTime(): void {
      let hour = cmos[REG.HOUR]!
      if (!(cmos[REG.B]! & B.H24)) {
        const pm = (hour & 0x80) !== 0
        hour = fromReg(hour & 0x7f) % 12
        if (pm) hour += 12
      } else {
        hour = fromReg(hour)
      }
      const century = fromReg(cmos[CMOS_CENTURY]!)
      const year = (century >= 19 && century <= 99 ? century : 20) * 100 + (fromReg(cmos[REG.YEAR]!) % 100)
      const seconds = epochSecondsFromCivil({
        year,
        month: Math.min(12, Math.max(1, fromReg(cmos[REG.MONTH]!))),
        day: Math.min(31, Math.max(1, fromReg(cmos[REG.MDAY]!))),
        hour: Math.min(23, hour),
        minute: Math.min(59, fromReg(cmos[REG.MIN]!)),
        second: Math.min(59, fromReg(cmos[REG.SEC]!)),
      })
      state.baseSeconds = seconds
      state.baseNs = now()
      state.lastUpdateSecond = seconds
    }

    function updateIrq(): void {
      const pending = cmos[REG.C]! & cmos[REG.B]! & (C.PF | C.AF | C.UF)
      if (pending) {
        cmos[REG.C] = cmos[REG.C]! | C.IRQF
        irq.raise()
      }
    }

    function periodNs(): number | undefined {
      const rate = cmos[REG.A]! & 0x0f
      if (rate === 0) return undefined
      const hz = rate <= 2 ? 256 >> (rate - 1) : 32768 >> (rate - 1)
      return NS_PER_S / hz
    }

    function armPeriodic(fromNs: number): void {
      const period = periodNs()
      if (period === undefined || !(cmos[REG.B]! & B.PIE)) {
        periodic.cancel()
        state.periodicDeadlineNs = -1
        return
      }
      // Periods are aligned to virtual time 0 like the divider chain, so re-arming never drifts.
      const deadline = (Math.floor(fromNs / period) + 1) * period
      state.periodicDeadlineNs = Math.ceil(deadline)
      periodic.armAt(state.periodicDeadlineNs)
    }

    function onPeriodic(deadline: number): void {
      cmos[REG.C] = cmos[REG.C]! | C.PF
      updateIrq()
      armPeriodic(deadline)
    }

    /** Processes every second boundary passed since the last one: UF, and AF when the alarm matches. */
    function catchUpUpdates(): void {
      if (!running()) return
      const second = Math.floor(secondsNow())
      if (second <= state.lastUpdateSecond) return
      state.lastUpdateSecond = second
      cmos[REG.C] = cmos[REG.C]! | C.UF
      latchTime()
      const match = (alarm: number, value: number) => (alarm & 0xc0) === 0xc0 || alarm === value
      if (
        match(cmos[REG.SEC_ALARM]!, cmos[REG.SEC]!) &&
        match(cmos[REG.MIN_ALARM]!, cmos[REG.MIN]!) &&
        match(cmos[REG.HOUR_ALARM]!, cmos[REG.HOUR]!)
      ) {
        cmos[REG.C] = cmos[REG.C]! | C.AF
      }
      updateIrq()
    }

    function armUpdate(): void {
      if (!running() || !(cmos[REG.B]! & (B.UIE | B.AIE))) {
        update.cancel()
        state.updateDeadlineNs = -1
        return
      }
      const next = Math.floor(secondsNow()) + 1
      state.updateDeadlineNs = Math.ceil(state.baseNs + (next - state.baseSeconds) * NS_PER_S)
      update.armAt(state.updateDeadlineNs)
    }

    function onUpdate(_deadline: number): void {
      catchUpUpdates()
      armUpdate()
    }

    function readData(index: number): number {
      switch (index) {
        case REG.SEC:
        case REG.MIN:
        case REG.HOUR:
        case REG.WDAY:
        case REG.MDAY:
        case REG.MONTH:
        case REG.YEAR:
        case CMOS_CENTURY:
          if (running()) latchTime()
          return cmos[index]!
        case REG.A: {
          const fraction = ((secondsNow() % 1) + 1) % 1
          const uip = running() && fraction * NS_PER_S >= NS_PER_S - UIP_NS
          return (cmos[REG.A]! & 0x7f) | (uip ? A_UIP : 0)
        }
        case REG.C: {
          catchUpUpdates()
          const value = cmos[REG.C]!
          cmos[REG.C] = 0
          irq.lower()
          return value
        }
        case REG.D:
          return 0x80 // valid RAM and time
        default:
          return cmos[index]!
      }
    }

    function writeData(index: number, value: number): void {
      switch (index) {
        case REG.A: {
          const wasRunning = running()
          cmos[REG.A] = value & 0x7f
          if (wasRunning && !running()) latchTime()
          if (!wasRunning && running()) adoptTime()
          armPeriodic(now())
          armUpdate()
          return
        }
        case REG.B: {
          const wasSet = (cmos[REG.B]! & B.SET) !== 0
          if (!wasSet && value & B.SET) {
            catchUpUpdates()
            latchTime()
            value &= ~B.UIE // SET clears UIE (datasheet)
          }
          cmos[REG.B] = value
          if (wasSet && !(value & B.SET)) adoptTime()
          armPeriodic(now())
          armUpdate()
          return
        }
        case REG.C:
        case REG.D:
          return // read-only
        case REG.SEC:
        case REG.MIN:
        case REG.HOUR:
        case REG.WDAY:
        case REG.MDAY:
        case REG.MONTH:
        case REG.YEAR:
        case CMOS_CENTURY:
          if (running()) latchTime()
          cmos[index] = value
          if (running()) adoptTime()
          return
        default:
          cmos[index] = value
      }
    }

    ctx
      .ioPorts(
        2,
        {
          sizes: [1],
          read: (offset) => (offset === 0 ? 0xff : readData(state.index)),
          write(offset, value) {
            if (offset === 0) {
              state.index = value & 0x7f
              state.nmiDisabled = (value & 0x80) !== 0
            } else {
              writeData(state.index, value)
            }
          },
        },
        'mc146818 RTC/CMOS',
      )
      .map(config.base)
    if (config.extendedBank) {
      ctx
        .ioPorts(
          2,
          {
            sizes: [1],
            read: (offset) => (offset === 0 ? 0xff : cmos[0x80 | state.extIndex]!),
            write(offset, value) {
              if (offset === 0) state.extIndex = value & 0x7f
              else cmos[0x80 | state.extIndex] = value
            },
          },
          'mc146818 CMOS bank 2',
        )
        .map(config.base + 2)
    }

    return {
      state,
      reset(kind) {
        if (kind === 'power-on') {
          cmos.fill(0)
          const image = config.image
          if (image) for (let i = 0x0e; i < Math.min(256, image.length); i++) cmos[i] = image[i]!
          cmos[REG.A] = 0x26 // 32.768 kHz divider, 1024 Hz rate
          cmos[REG.B] = B.H24
          state.baseSeconds = config.startTime
          state.baseNs = now()
          state.lastUpdateSecond = Math.floor(config.startTime)
          latchTime()
        }
        // A reset clears the interrupt enables and flags but not time or RAM (datasheet: /RESET).
        cmos[REG.B] = cmos[REG.B]! & ~(B.PIE | B.AIE | B.UIE | B.SQWE)
        cmos[REG.C] = 0
        state.index = 0
        state.extIndex = 0
        periodic.cancel()
        update.cancel()
        state.periodicDeadlineNs = -1
        state.updateDeadlineNs = -1
      },
      afterLoad() {
        if (cmos[REG.C]! & C.IRQF) irq.raise()
        if (state.periodicDeadlineNs >= 0) periodic.armAt(state.periodicDeadlineNs)
        if (state.updateDeadlineNs >= 0) update.armAt(state.updateDeadlineNs)
      },
    }
  },
})
