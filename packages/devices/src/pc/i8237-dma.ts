/**
 * Intel 8237A DMA controller pair: DMA1 (channels 0–3, 8-bit, ports 00h–0Fh), DMA2 (channels 4–7, 16-bit,
 * ports C0h–DFh at even addresses, channel 4 = cascade), and the 74LS612 page registers (81h–8Fh).
 * Spec: Intel 8237A datasheet (registers, modes, auto-initialise, address decrement, terminal count);
 * IBM AT technical reference (page register ports, word addressing of DMA2). Follows VirtualBox
 * src/VBox/Devices/PC/DevDMA.cpp. Guest addresses are bounded: DMA goes through the context's DmaView only.
 */
import { array, bool, defineDevice, defineState, struct, u16, u8 } from '@boxwood/vmm/device-api'
import type { ValueOf } from '@boxwood/vmm/device-api'
import { isaDmaContract } from './isa-dma'
import type { IsaDma, IsaDmaTransferHandler } from './isa-dma'

/** Page register port offset (from 80h) of each channel. */
const PAGE_PORT = [0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa] as const
const MODE = { AUTOINIT: 0x10, DECREMENT: 0x20 } as const

const channelFields = { baseAddress: u16, baseCount: u16, address: u16, count: u16, mode: u8, page: u8 }
const controllerFields = {
  command: u8,
  status: u8,
  mask: u8,
  request: u8,
  flipFlop: bool,
  temporary: u8,
}
type DmaChannel = ValueOf<typeof channelFields>
type DmaController = ValueOf<typeof controllerFields>

export const i8237State = defineState({
  unit: '8237A',
  version: 1,
  fields: {
    channels: array(8, struct(channelFields)),
    controllers: array(2, struct(controllerFields)),
    /** The page-register ports that belong to no channel are scratch registers. */
    scratchPages: array(16, u8),
    /** DREQ lines as devices drive them (bit per channel). */
    dreq: u8,
  },
})

/** The i8237 pair: device name `8237A` (VirtualBox's name). */
export const i8237Dma = defineDevice({
  name: '8237A',
  description: 'Intel 8237A DMA controller pair with page registers',
  maxInstances: 1,
  config: {},
  savedState: i8237State,
  create(ctx) {
    const state = i8237State.initial()
    const handlers: (IsaDmaTransferHandler | undefined)[] = new Array<IsaDmaTransferHandler | undefined>(8)
    let running = false

    const ch = (n: number): DmaChannel => state.channels[n]!
    const ctl = (n: number): DmaController => state.controllers[n >> 2]!
    const shift = (n: number): number => (n >= 4 ? 1 : 0)
    /** Guest-physical address of byte `position` of channel n's transfer. */
    function gpa(n: number, position: number): number {
      const c = ch(n)
      const s = shift(n)
      const unit = position >> s
      const word = (c.mode & MODE.DECREMENT ? c.baseAddress - unit : c.baseAddress + unit) & 0xffff
      // DMA2 addresses words: the page register supplies A17–A23 and the address A1–A16.
      const base = s ? ((c.page & 0xfe) << 16) | (word << 1) : (c.page << 16) | word
      return (base + (position & s)) >>> 0
    }
    const sizeOf = (n: number): number => (ch(n).baseCount + 1) << shift(n)

    function copy(n: number, buffer: Uint8Array, position: number, toMemory: boolean): number {
      if (!Number.isInteger(n) || n < 0 || n > 7 || n === 4) return 0
      const size = sizeOf(n)
      const length = Math.max(0, Math.min(buffer.length, size - position))
      for (let i = 0; i < length; i++) {
        // Byte-wise so decrement mode and 64K/128K wrap-around stay within the page, as on the 8237.
        const address = gpa(n, position + i)
        if (toMemory) ctx.dma.writeU8(address, buffer[i]!)
        else buffer[i] = ctx.dma.readU8(address)
      }
      return length
    }

    /**
     * Gives every channel with DREQ (or a software request) that is unmasked and enabled one call of its
     * transfer handler (VirtualBox dmaR3Run). A device that keeps DREQ asserted is run again on its next
     * setDreq or the guest's next register write.
     */
    function run(): void {
      if (running) return
      running = true
      try {
        for (let n = 0; n < 8; n++) {
          if (n === 4) continue
          const c = ctl(n)
          const bit = 1 << (n & 3)
          if (c.command & 0x04) continue // controller disabled
          if (c.mask & bit) continue
          const requested = ((state.dreq >> n) & 1) !== 0 || (c.request & bit) !== 0
          if (!requested) continue
          const handler = handlers[n]
          if (!handler) continue
          const channel = ch(n)
          const size = sizeOf(n)
          const position = (channel.baseCount - channel.count) << shift(n)
          const next = Math.max(position, Math.min(size, Math.floor(handler(n, position, size))))
          const units = (next - position) >> shift(n)
          channel.count = (channel.count - units) & 0xffff
          channel.address = (channel.mode & MODE.DECREMENT ? channel.address - units : channel.address + units) & 0xffff
          if (next >= size) {
            c.status |= bit // terminal count
            c.request &= ~bit
            if (channel.mode & MODE.AUTOINIT) {
              channel.address = channel.baseAddress
              channel.count = channel.baseCount
            } else {
              c.mask |= bit
            }
          }
        }
      } finally {
        running = false
      }
    }

    const service: IsaDma = {
      registerChannel(n, handler) {
        if (!Number.isInteger(n) || n < 0 || n > 7 || n === 4)
          throw new RangeError(`ISA DMA channel ${n} is not 0..3, 5..7`)
        handlers[n] = handler
      },
      setDreq(n, level) {
        if (!Number.isInteger(n) || n < 0 || n > 7) return
        const bit = 1 << n
        state.dreq = level ? state.dreq | bit : state.dreq & ~bit
        const c = ctl(n)
        if (level) c.status |= 0x10 << (n & 3)
        else c.status &= ~(0x10 << (n & 3))
        if (level) run()
      },
      readMemory: (n, target, position) => copy(n, target, position, false),
      writeMemory: (n, source, position) => copy(n, source, position, true),
      channelMode: (n) => (Number.isInteger(n) && n >= 0 && n < 8 ? ch(n).mode : 0),
    }
    ctx.provide(isaDmaContract, service)

    function readRegister(controller: number, reg: number): number {
      const c = state.controllers[controller]!
      if (reg < 8) {
        const channel = ch(controller * 4 + (reg >> 1))
        const value = reg & 1 ? channel.count : channel.address
        const byte = c.flipFlop ? value >> 8 : value & 0xff
        c.flipFlop = !c.flipFlop
        return byte
      }
      switch (reg) {
        case 8: {
          const status = c.status
          c.status &= 0xf0 // reading clears the terminal-count bits
          return status
        }
        case 13:
          return c.temporary
        case 15:
          return 0xf0 | c.mask
        default:
          return 0xff
      }
    }

    function writeRegister(controller: number, reg: number, value: number): void {
      const c = state.controllers[controller]!
      if (reg < 8) {
        const channel = ch(controller * 4 + (reg >> 1))
        const update = (old: number) => (c.flipFlop ? (old & 0x00ff) | (value << 8) : (old & 0xff00) | value)
        if (reg & 1) {
          channel.baseCount = update(channel.baseCount)
          channel.count = channel.baseCount
        } else {
          channel.baseAddress = update(channel.baseAddress)
          channel.address = channel.baseAddress
        }
        c.flipFlop = !c.flipFlop
        return
      }
      switch (reg) {
        case 8:
          c.command = value
          break
        case 9: {
          const bit = 1 << (value & 3)
          c.request = value & 4 ? c.request | bit : c.request & ~bit
          break
        }
        case 10: {
          const bit = 1 << (value & 3)
          c.mask = value & 4 ? c.mask | bit : c.mask & ~bit
          break
        }
        case 11:
          ch(controller * 4 + (value & 3)).mode = value & 0xfc
          break
        case 12:
          c.flipFlop = false
          break
        case 13:
          resetController(controller)
          break
        case 14:
          c.mask = 0
          break
        case 15:
          c.mask = value & 0x0f
          break
        default:
          break
      }
      run()
    }

    function resetController(controller: number): void {
      Object.assign(state.controllers[controller]!, {
        command: 0,
        status: 0,
        mask: 0x0f,
        request: 0,
        flipFlop: false,
        temporary: 0,
      })
    }

    ctx
      .ioPorts(
        16,
        { sizes: [1], read: (o) => readRegister(0, o), write: (o, v) => writeRegister(0, o, v) },
        'i8237 DMA1',
      )
      .map(0x00)
    ctx
      .ioPorts(
        32,
        {
          sizes: [1],
          read: (o) => (o & 1 ? 0xff : readRegister(1, o >> 1)),
          write: (o, v) => {
            if ((o & 1) === 0) writeRegister(1, o >> 1, v)
          },
        },
        'i8237 DMA2',
      )
      .map(0xc0)
    const pageOwner = (offset: number): number => PAGE_PORT.indexOf(offset as (typeof PAGE_PORT)[number])
    ctx
      .ioPorts(
        15,
        {
          sizes: [1],
          read(o) {
            const n = pageOwner(o + 1)
            return n >= 0 ? ch(n).page : state.scratchPages[o + 1]!
          },
          write(o, v) {
            const n = pageOwner(o + 1)
            if (n >= 0) ch(n).page = v
            else state.scratchPages[o + 1] = v
          },
        },
        'i8237 page registers',
      )
      .map(0x81)

    return {
      state,
      reset() {
        resetController(0)
        resetController(1)
        for (const c of state.channels)
          Object.assign(c, { baseAddress: 0, baseCount: 0, address: 0, count: 0, mode: 0, page: 0 })
        state.scratchPages.fill(0)
        state.dreq = 0
      },
    }
  },
})
