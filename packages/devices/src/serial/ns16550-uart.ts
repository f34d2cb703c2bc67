/**
 * NS16550A UART on the ISA bus (COM1–COM4): 16-byte receive FIFO with trigger levels and the character
 * timeout interrupt, THR-empty interrupt semantics, loopback, modem status; bytes go to and come from a char
 * backend at LUN 0. Spec: National Semiconductor PC16550D datasheet (register map, IIR priorities, FCR, LSR,
 * "FIFO interrupt mode operation"). Follows VirtualBox src/VBox/Devices/Serial/UartCore.cpp + DevSerial.cpp.
 * Transmission is immediate (the THR empties at once), as in VirtualBox and QEMU without a throttled backend.
 */
import { bool, bytes, defineDevice, defineState, i64, u16, u8 } from '@boxwood/vmm/device-api'
import { charBackendContract } from '../backends/char-backend'

const REG = { RBR_THR: 0, IER: 1, IIR_FCR: 2, LCR: 3, MCR: 4, LSR: 5, MSR: 6, SCR: 7 } as const
const IER = { RDA: 0x01, THRE: 0x02, RLS: 0x04, MS: 0x08 } as const
const IIR = { NONE: 0x01, RLS: 0x06, RDA: 0x04, TIMEOUT: 0x0c, THRE: 0x02, MS: 0x00, FIFO: 0xc0 } as const
const LSR = { DR: 0x01, OE: 0x02, PE: 0x04, FE: 0x08, BI: 0x10, THRE: 0x20, TEMT: 0x40, FIFOERR: 0x80 } as const
const MCR = { DTR: 0x01, RTS: 0x02, OUT1: 0x04, OUT2: 0x08, LOOP: 0x10 } as const
const MSR = { DCTS: 0x01, DDSR: 0x02, TERI: 0x04, DDCD: 0x08, CTS: 0x10, DSR: 0x20, RI: 0x40, DCD: 0x80 } as const
const FIFO_SIZE = 16
const TRIGGER = [1, 4, 8, 14] as const
/** The UART's input clock (1.8432 MHz) divided by 16 gives the baud rate at divisor 1. */
const UART_CLOCK_HZ = 1_843_200

export const uartState = defineState({
  unit: 'serial',
  version: 1,
  fields: {
    rxFifo: bytes(FIFO_SIZE),
    rxHead: u8,
    rxCount: u8,
    ier: u8,
    lcr: u8,
    mcr: u8,
    lsr: u8,
    msr: u8,
    scr: u8,
    divisor: u16,
    fcr: u8,
    /** The THR-empty interrupt is pending (cleared by reading IIR while it is the source, or writing THR). */
    thrEmptyPending: bool,
    timeoutPending: bool,
    timeoutDeadlineNs: i64,
  },
  config: { base: u16, irq: u8 },
})

/** The 16550A UART: device name `serial` (VirtualBox's name), up to four instances. */
export const ns16550Uart = defineDevice({
  name: 'serial',
  description: 'NS16550A UART',
  maxInstances: 4,
  config: {
    base: { type: 'u16', default: 0x3f8 },
    irq: { type: 'u8', default: 4, max: 23 },
  },
  savedState: uartState,
  create(ctx, config) {
    const state = uartState.initial()
    const irq = ctx.irq(config.irq)
    const backend = ctx.attach(0, charBackendContract)
    const timeout = ctx.timer('rx-timeout', () => {
      state.timeoutDeadlineNs = -1
      if (state.rxCount > 0 && fifoEnabled()) {
        state.timeoutPending = true
        updateIrq()
      }
    })
    const one = new Uint8Array(1)

    const fifoEnabled = (): boolean => (state.fcr & 0x01) !== 0
    const capacity = (): number => (fifoEnabled() ? FIFO_SIZE : 1)
    const triggerLevel = (): number => (fifoEnabled() ? TRIGGER[(state.fcr >> 6) & 3]! : 1)
    const loopback = (): boolean => (state.mcr & MCR.LOOP) !== 0

    /** The highest-priority pending interrupt as IIR bits 0–3. */
    function pendingId(): number {
      if (state.ier & IER.RLS && state.lsr & (LSR.OE | LSR.PE | LSR.FE | LSR.BI)) return IIR.RLS
      if (state.ier & IER.RDA && state.rxCount >= triggerLevel()) return IIR.RDA
      if (state.ier & IER.RDA && state.timeoutPending) return IIR.TIMEOUT
      if (state.ier & IER.THRE && state.thrEmptyPending) return IIR.THRE
      if (state.ier & IER.MS && state.msr & 0x0f) return IIR.MS
      return IIR.NONE
    }

    function updateIrq(): void {
      if (pendingId() !== IIR.NONE) irq.raise()
      else irq.lower()
    }

    /** Four character times at the current divisor and frame (datasheet: the timeout interval). */
    function charTimeNs(): number {
      const bits = 1 + 5 + (state.lcr & 3) + (state.lcr & 0x04 ? 2 : 1) + (state.lcr & 0x08 ? 1 : 0)
      const divisor = state.divisor === 0 ? 0x10000 : state.divisor
      return (bits * divisor * 16 * 1e9) / UART_CLOCK_HZ
    }

    function armTimeout(): void {
      if (state.rxCount > 0 && fifoEnabled()) {
        state.timeoutDeadlineNs = Math.ceil(ctx.clock.nowNs() + 4 * charTimeNs())
        timeout.armAt(state.timeoutDeadlineNs)
      } else {
        state.timeoutDeadlineNs = -1
        timeout.cancel()
      }
    }

    function receiveByte(byte: number): void {
      if (state.rxCount >= capacity()) {
        state.lsr |= LSR.OE
        return
      }
      state.rxFifo[(state.rxHead + state.rxCount) % FIFO_SIZE] = byte
      state.rxCount++
      state.lsr |= LSR.DR
    }

    /** Pulls waiting host bytes into the receive FIFO while it has room (not in loopback). */
    function pull(): void {
      if (!backend || loopback()) return
      const room = capacity() - state.rxCount
      if (room <= 0 || backend.available === 0) return
      const data = backend.read(room)
      for (const b of data) receiveByte(b)
      if (data.length > 0) {
        state.timeoutPending = false
        armTimeout()
        updateIrq()
      }
    }

    function readRbr(): number {
      if (state.rxCount === 0) return 0
      const byte = state.rxFifo[state.rxHead]!
      state.rxHead = (state.rxHead + 1) % FIFO_SIZE
      state.rxCount--
      if (state.rxCount === 0) state.lsr &= ~LSR.DR
      state.timeoutPending = false
      pull()
      armTimeout()
      updateIrq()
      return byte
    }

    function transmit(byte: number): void {
      if (loopback()) {
        receiveByte(byte)
        state.timeoutPending = false
        armTimeout()
      } else if (backend) {
        one[0] = byte
        backend.write(one)
      }
      // The THR and shift register empty at once.
      state.lsr |= LSR.THRE | LSR.TEMT
      state.thrEmptyPending = true
      updateIrq()
    }

    function modemStatusFromLines(): number {
      if (loopback()) {
        const m = state.mcr
        return (
          (m & MCR.RTS ? MSR.CTS : 0) |
          (m & MCR.DTR ? MSR.DSR : 0) |
          (m & MCR.OUT1 ? MSR.RI : 0) |
          (m & MCR.OUT2 ? MSR.DCD : 0)
        )
      }
      // A host backend is always "connected": carrier, data set ready and clear to send.
      return MSR.CTS | MSR.DSR | MSR.DCD
    }

    function setModemLines(): void {
      const before = state.msr
      const lines = modemStatusFromLines()
      let deltas = before & 0x0f
      if ((before ^ lines) & MSR.CTS) deltas |= MSR.DCTS
      if ((before ^ lines) & MSR.DSR) deltas |= MSR.DDSR
      if ((before ^ lines) & MSR.DCD) deltas |= MSR.DDCD
      if (before & MSR.RI && !(lines & MSR.RI)) deltas |= MSR.TERI
      state.msr = lines | deltas
    }

    function read(offset: number): number {
      const dlab = (state.lcr & 0x80) !== 0
      switch (offset) {
        case REG.RBR_THR:
          return dlab ? state.divisor & 0xff : readRbr()
        case REG.IER:
          return dlab ? state.divisor >> 8 : state.ier
        case REG.IIR_FCR: {
          const id = pendingId()
          // Reading IIR while THRE is the reported source acknowledges it.
          if (id === IIR.THRE) {
            state.thrEmptyPending = false
            updateIrq()
          }
          return id | (fifoEnabled() ? IIR.FIFO : 0)
        }
        case REG.LCR:
          return state.lcr
        case REG.MCR:
          return state.mcr
        case REG.LSR: {
          const value = state.lsr | (state.rxCount > 0 ? LSR.DR : 0)
          state.lsr &= ~(LSR.OE | LSR.PE | LSR.FE | LSR.BI | LSR.FIFOERR)
          updateIrq()
          return value
        }
        case REG.MSR: {
          const value = state.msr
          state.msr &= 0xf0
          updateIrq()
          return value
        }
        default:
          return state.scr
      }
    }

    function write(offset: number, value: number): void {
      const dlab = (state.lcr & 0x80) !== 0
      switch (offset) {
        case REG.RBR_THR:
          if (dlab) {
            state.divisor = (state.divisor & 0xff00) | value
          } else {
            state.thrEmptyPending = false
            transmit(value)
          }
          return
        case REG.IER:
          if (dlab) {
            state.divisor = (state.divisor & 0x00ff) | (value << 8)
            return
          }
          {
            const enablingThre = value & IER.THRE && !(state.ier & IER.THRE)
            state.ier = value & 0x0f
            // Enabling ETBEI while the THR is empty raises the THRE interrupt (16550 behaviour Linux tests).
            if (enablingThre && state.lsr & LSR.THRE) state.thrEmptyPending = true
            updateIrq()
          }
          return
        case REG.IIR_FCR: {
          const wasEnabled = fifoEnabled()
          state.fcr = value & 0xc9
          if (fifoEnabled() !== wasEnabled || value & 0x02) {
            state.rxCount = 0
            state.rxHead = 0
            state.lsr &= ~LSR.DR
            state.timeoutPending = false
          }
          armTimeout()
          pull()
          updateIrq()
          return
        }
        case REG.LCR:
          state.lcr = value
          return
        case REG.MCR:
          state.mcr = value & 0x1f
          setModemLines()
          pull()
          updateIrq()
          return
        case REG.LSR:
        case REG.MSR:
          return // read-only (factory test writes ignored)
        default:
          state.scr = value
      }
    }

    ctx.ioPorts(8, { sizes: [1], read, write }, `16550A UART ${config.base.toString(16)}h`).map(config.base)
    // Host bytes queued before the machine is reset (typed ahead of power-on) stay in the backend until then: a
    // pull at creation would put them in the FIFO that reset clears.
    let live = false
    backend?.setListener({
      onReadable: () => {
        if (live) pull()
      },
    })

    return {
      state,
      reset() {
        state.rxFifo.fill(0)
        state.rxHead = 0
        state.rxCount = 0
        state.ier = 0
        state.lcr = 0
        state.mcr = 0
        state.lsr = LSR.THRE | LSR.TEMT
        state.msr = 0
        state.scr = 0
        state.divisor = 12 // 9600 baud
        state.fcr = 0
        state.thrEmptyPending = false
        state.timeoutPending = false
        state.timeoutDeadlineNs = -1
        timeout.cancel()
        setModemLines()
        state.msr &= 0xf0
        live = true
      },
      afterReset() {
        pull()
      },
      afterLoad() {
        live = true
        if (state.timeoutDeadlineNs >= 0) timeout.armAt(state.timeoutDeadlineNs)
        updateIrq()
        pull()
      },
      destroy() {
        backend?.setListener(undefined)
        backend?.close()
      },
    }
  },
})
