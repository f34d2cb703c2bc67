// Intel 82077AA floppy disk controller (82077AA datasheet §5 "Command set", §4 registers DOR/MSR/DSR/FIFO/
// DIR/CCR; VirtualBox 'i82078'): two drives with 1.44/2.88 MB (and 720K/1.2M) images, data moved through ISA
// DMA channel 2 and completion on IRQ 6. Commands: READ/WRITE DATA (multi-sector, multi-track), READ ID,
// FORMAT TRACK, SEEK, RECALIBRATE, SENSE INTERRUPT STATUS, SENSE DRIVE STATUS, SPECIFY, CONFIGURE, VERSION,
// LOCK, DUMPREG, PERPENDICULAR MODE; anything else is answered with ST0 = 80h (invalid command).
import {
  array,
  bool,
  bytes,
  defineDevice,
  defineState,
  u8,
  u32,
  type DeviceContext,
  type DeviceInstance,
} from '@boxwood/vmm/device-api'
import { blockDriveContract, type BlockDrive } from '../../backends/block-backend'
import { isaDmaContract, type IsaDma } from '../../pc/isa-dma'
import { floppyFirmwareContract, type FloppyFirmwareDrive } from './floppy-services'

const MSR = { RQM: 0x80, DIO: 0x40, NDMA: 0x20, CB: 0x10 } as const
const PHASE = { COMMAND: 0, EXECUTION: 1, RESULT: 2 } as const
const DMA_CHANNEL = 2
const BUFFER = 72 * 512 // a whole cylinder of a 2.88 MB diskette

/** Parameter bytes (after the command byte) of each command (low 5 bits of the opcode). */
const PARAMS: Readonly<Record<number, number>> = {
  0x02: 8,
  0x03: 2,
  0x04: 1,
  0x05: 8,
  0x06: 8,
  0x07: 1,
  0x08: 0,
  0x09: 8,
  0x0a: 1,
  0x0c: 8,
  0x0d: 5,
  0x0e: 0,
  0x0f: 2,
  0x10: 0,
  0x11: 8,
  0x12: 1,
  0x13: 3,
  0x14: 0,
  0x19: 8,
  0x1d: 8,
}

export const fdcState = defineState({
  unit: 'i82078',
  version: 1,
  fields: {
    dor: u8,
    dataRate: u8,
    phase: u8,
    command: bytes(9),
    commandLength: u8,
    commandPos: u8,
    result: bytes(10),
    resultLength: u8,
    resultPos: u8,
    irqPending: bool,
    resetSenses: u8,
    st0: u8,
    cylinder: array(2, u8),
    changed: array(2, bool),
    specify: array(2, u8),
    config: u8,
    precomp: u8,
    lock: bool,
    perpendicular: u8,
    /** Transfer in progress: 1 read (disk → memory), 2 write, 3 format; 0 none. */
    transfer: u8,
    transferLength: u32,
    transferPos: u32,
    transferLba: u32,
    buffer: bytes(BUFFER),
    waitingMedia: bool,
  },
})
type FdcState = ReturnType<typeof fdcState.initial>

interface Geometry {
  readonly cylinders: number
  readonly heads: number
  readonly sectors: number
}

function geometryOf(size: number): Geometry | undefined {
  switch (size) {
    case 2_949_120:
      return { cylinders: 80, heads: 2, sectors: 36 }
    case 1_474_560:
      return { cylinders: 80, heads: 2, sectors: 18 }
    case 1_228_800:
      return { cylinders: 80, heads: 2, sectors: 15 }
    case 737_280:
      return { cylinders: 80, heads: 2, sectors: 9 }
    default:
      return undefined
  }
}

function createFdc(ctx: DeviceContext): DeviceInstance<FdcState> {
  const state = fdcState.initial()
  const drives: [BlockDrive | undefined, BlockDrive | undefined] = [
    ctx.attach(0, blockDriveContract),
    ctx.attach(1, blockDriveContract),
  ]
  const irq = ctx.irq(6)
  let dma: IsaDma | undefined
  let generation = 0
  drives.forEach((drive, unit) => drive?.onMediumChange(() => (state.changed[unit] = true)))

  const updateIrq = (): void => {
    if (state.irqPending && state.dor & 0x08) irq.raise()
    else irq.lower()
  }
  const raise = (): void => {
    state.irqPending = true
    updateIrq()
  }

  function controllerReset(): void {
    generation++
    state.phase = PHASE.COMMAND
    state.commandPos = state.commandLength = state.resultPos = state.resultLength = 0
    state.transfer = 0
    state.waitingMedia = false
    dma?.setDreq(DMA_CHANNEL, false)
    state.resetSenses = 4
    state.irqPending = false
  }

  function results(...values: number[]): void {
    state.result.set(values.map((v) => v & 0xff))
    state.resultLength = values.length
    state.resultPos = 0
    state.phase = PHASE.RESULT
  }

  function unitOf(byte: number): 0 | 1 {
    return (byte & 1) as 0 | 1
  }

  /** ST0 for a unit and head with interrupt code `ic` (0 normal, 1 abnormal, 2 invalid). */
  function st0(ic: number, byte: number, seekEnd = false): number {
    return (ic << 6) | (seekEnd ? 0x20 : 0) | (byte & 0x07)
  }

  function transferResult(ic: number, st1: number, st2: number, c: number, h: number, r: number, n: number): void {
    state.transfer = 0
    dma?.setDreq(DMA_CHANNEL, false)
    results(st0(ic, state.command[1]!), st1, st2, c, h, r, n)
    raise()
  }

  function startTransfer(kind: 1 | 2 | 3): void {
    const cmd = state.command
    const unit = unitOf(cmd[1]!)
    const drive = drives[unit]
    const medium = drive?.medium
    const geometry = medium ? geometryOf(medium.size) : undefined
    const head = (cmd[1]! >> 2) & 1
    if (!medium || !geometry) {
      // No diskette: abnormal termination, not ready / missing address mark.
      transferResult(1, 0x01, 0, cmd[2]!, cmd[3]!, cmd[4]!, cmd[5]!)
      return
    }
    if (kind === 3) {
      // FORMAT TRACK: N, SC, GPL, filler; the sector IDs arrive by DMA and are not needed for an image.
      const sectors = Math.min(cmd[3]!, geometry.sectors)
      const lba = (state.cylinder[unit]! * geometry.heads + head) * geometry.sectors
      if (medium.readOnly) return transferResult(1, 0x02, 0, state.cylinder[unit]!, head, 1, cmd[2]!)
      state.buffer.fill(cmd[5]!, 0, sectors * 512)
      state.transfer = 3
      state.transferLba = lba
      state.transferLength = sectors * 4 // ID bytes consumed from DMA
      state.transferPos = 0
      dma?.setDreq(DMA_CHANNEL, true)
      return
    }
    const c = cmd[2]!
    const h = cmd[3]!
    const r = cmd[4]!
    const eot = Math.min(cmd[6]!, geometry.sectors)
    const multiTrack = (cmd[0]! & 0x80) !== 0
    if (c >= geometry.cylinders || h >= geometry.heads || r === 0 || r > geometry.sectors || cmd[5] !== 2) {
      return transferResult(1, 0x04, 0, c, h, r, cmd[5]!) // no data (sector not found)
    }
    if (kind === 2 && medium.readOnly) return transferResult(1, 0x02, 0, c, h, r, cmd[5]!)
    const lastHead = multiTrack && h === 0 ? 1 : h
    const count = eot - r + 1 + (lastHead !== h ? eot : 0)
    state.transfer = kind
    state.transferLba = (c * geometry.heads + h) * geometry.sectors + r - 1
    state.transferLength = Math.max(0, count) * 512
    state.transferPos = 0
    if (kind === 1) {
      state.waitingMedia = true
      const io = generation
      medium.read(state.transferLba * 512, state.buffer.subarray(0, state.transferLength)).then(
        () => {
          if (io !== generation || state.transfer !== 1) return
          state.waitingMedia = false
          dma?.setDreq(DMA_CHANNEL, true)
        },
        () => io === generation && transferResult(1, 0x20, 0x20, c, h, r, 2), // data error
      )
    } else {
      dma?.setDreq(DMA_CHANNEL, true)
    }
  }

  /** End of a read/write: the result names the sector after the last one moved. */
  function finishTransfer(): void {
    const cmd = state.command
    const unit = unitOf(cmd[1]!)
    const medium = drives[unit]?.medium
    const geometry = medium ? geometryOf(medium.size) : undefined
    if (!medium || !geometry) return transferResult(1, 0x01, 0, cmd[2]!, cmd[3]!, cmd[4]!, 2)
    const moved = Math.ceil(state.transferPos / 512)
    const next = state.transferLba + moved
    let c = Math.floor(next / (geometry.heads * geometry.sectors))
    let h = Math.floor(next / geometry.sectors) % geometry.heads
    let r = (next % geometry.sectors) + 1
    if (r === 1 && moved > 0) {
      // Ended on a track boundary: report the end of the last track (datasheet table 5-2).
      const last = next - 1
      c = Math.floor(last / (geometry.heads * geometry.sectors))
      h = Math.floor(last / geometry.sectors) % geometry.heads
      r = geometry.sectors + 1
      if (cmd[0]! & 0x80 && h === 0) {
        h = 1
        r = 1
      } else if (h === (cmd[3]! & 1) || !(cmd[0]! & 0x80)) {
        c = c + 1
        r = 1
      }
    }
    state.cylinder[unit] = Math.min(c, 0xff)
    transferResult(0, 0, 0, c, h, r, 2)
  }

  function dmaTransfer(channel: number, position: number, size: number): number {
    if (state.transfer === 0 || state.waitingMedia || !dma) return position
    const remaining = state.transferLength - state.transferPos
    const n = Math.min(size - position, remaining)
    if (state.transfer === 1) {
      dma.writeMemory(channel, state.buffer.subarray(state.transferPos, state.transferPos + n), position)
    } else {
      dma.readMemory(channel, state.buffer.subarray(state.transferPos, state.transferPos + n), position)
    }
    state.transferPos += n
    const done = state.transferPos >= state.transferLength || position + n >= size
    if (!done) return position + n
    dma.setDreq(DMA_CHANNEL, false)
    const medium = drives[unitOf(state.command[1]!)]?.medium
    if (state.transfer === 1 || !medium) {
      finishTransfer()
    } else {
      // Write or format: the bytes reach the image, then the result.
      const format = state.transfer === 3
      const bytes = format
        ? state.buffer.subarray(0, (state.transferLength / 4) * 512)
        : state.buffer.subarray(0, state.transferPos)
      state.waitingMedia = true
      const io = generation
      medium.write(state.transferLba * 512, bytes).then(
        () => {
          if (io !== generation) return
          state.waitingMedia = false
          if (format) {
            const cmd = state.command
            transferResult(0, 0, 0, state.cylinder[unitOf(cmd[1]!)]!, (cmd[1]! >> 2) & 1, 1, cmd[2]!)
          } else finishTransfer()
        },
        () =>
          io === generation && transferResult(1, 0x20, 0, state.command[2]!, state.command[3]!, state.command[4]!, 2),
      )
    }
    return position + n
  }

  function execute(): void {
    const cmd = state.command
    const op = cmd[0]! & 0x1f
    const unit = unitOf(cmd[1] ?? 0)
    switch (op) {
      case 0x03: // SPECIFY
        state.specify[0] = cmd[1]!
        state.specify[1] = cmd[2]!
        state.phase = PHASE.COMMAND
        return
      case 0x04: {
        // SENSE DRIVE STATUS: ST3 (two-sided, ready, track 0, write protect).
        const drive = drives[unit]
        const st3 =
          (cmd[1]! & 0x07) |
          (drive ? 0x08 | 0x20 : 0) |
          (state.cylinder[unit] === 0 ? 0x10 : 0) |
          (drive?.medium?.readOnly ? 0x40 : 0)
        return results(st3)
      }
      case 0x07: // RECALIBRATE
      case 0x0f: {
        // SEEK: instantaneous; the interrupt reports seek end.
        state.cylinder[unit] = op === 0x07 ? 0 : cmd[2]!
        if (drives[unit]?.medium) state.changed[unit] = false
        state.st0 = st0(drives[unit] ? 0 : 1, cmd[1]!, true) | (drives[unit] ? 0 : 0x08)
        state.phase = PHASE.COMMAND
        raise()
        return
      }
      case 0x08: {
        // SENSE INTERRUPT STATUS.
        if (state.resetSenses > 0) {
          const drive = 4 - state.resetSenses
          state.resetSenses--
          state.irqPending = false
          updateIrq()
          return results(0xc0 | drive, state.cylinder[drive & 1]!)
        }
        if (!state.irqPending) return results(0x80)
        state.irqPending = false
        updateIrq()
        return results(state.st0, state.cylinder[state.st0 & 1]!)
      }
      case 0x0a: {
        // READ ID: the next sector header under the head.
        const medium = drives[unit]?.medium
        const head = (cmd[1]! >> 2) & 1
        if (!medium) return transferResult(1, 0x01, 0, 0, head, 1, 2)
        state.phase = PHASE.EXECUTION
        return transferResult(0, 0, 0, state.cylinder[unit]!, head, 1, 2)
      }
      case 0x06:
      case 0x0c:
        state.phase = PHASE.EXECUTION
        return startTransfer(1)
      case 0x05:
      case 0x09:
        state.phase = PHASE.EXECUTION
        return startTransfer(2)
      case 0x0d:
        state.phase = PHASE.EXECUTION
        return startTransfer(3)
      case 0x0e: // DUMPREG
        return results(
          state.cylinder[0]!,
          state.cylinder[1]!,
          0,
          0,
          state.specify[0]!,
          state.specify[1]!,
          0,
          (state.lock ? 0x80 : 0) | (state.perpendicular & 0x7f),
          state.config,
          state.precomp,
        )
      case 0x10: // VERSION: 82077AA
        return results(0x90)
      case 0x12:
        state.perpendicular = cmd[1]!
        state.phase = PHASE.COMMAND
        return
      case 0x13:
        state.config = cmd[2]!
        state.precomp = cmd[3]!
        state.phase = PHASE.COMMAND
        return
      case 0x14:
        state.lock = (cmd[0]! & 0x80) !== 0
        return results(state.lock ? 0x10 : 0)
      default:
        return results(0x80)
    }
  }

  function writeFifo(value: number): void {
    if (state.phase !== PHASE.COMMAND) return
    if (state.commandPos === 0) {
      const op = value & 0x1f
      const params = PARAMS[op]
      if (params === undefined) {
        state.command[0] = value
        results(0x80)
        return
      }
      state.commandLength = params + 1
    }
    state.command[state.commandPos++] = value
    if (state.commandPos >= state.commandLength) {
      state.commandPos = 0
      execute()
    }
  }

  function readFifo(): number {
    if (state.phase !== PHASE.RESULT) return 0xff
    const value = state.result[state.resultPos++]!
    if (state.resultPos >= state.resultLength) {
      state.phase = PHASE.COMMAND
      state.resultPos = state.resultLength = 0
      if ((state.command[0]! & 0x1f) !== 0x08) {
        state.irqPending = false
        updateIrq()
      }
    }
    return value
  }

  function msr(): number {
    switch (state.phase) {
      case PHASE.RESULT:
        return MSR.RQM | MSR.DIO | MSR.CB
      case PHASE.EXECUTION:
        return MSR.CB
      default:
        return MSR.RQM | (state.commandPos > 0 ? MSR.CB : 0)
    }
  }

  ctx
    .ioPorts(
      6,
      {
        read(offset) {
          switch (offset) {
            case 2:
              return state.dor
            case 4:
              return msr()
            case 5:
              return readFifo()
            default:
              return 0xff
          }
        },
        write(offset, value) {
          switch (offset) {
            case 2: {
              const wasReset = (state.dor & 0x04) === 0
              state.dor = value & 0xff
              if (!(value & 0x04)) controllerReset()
              else if (wasReset) {
                controllerReset()
                raise()
              }
              updateIrq()
              return
            }
            case 4:
              state.dataRate = value & 0x03
              if (value & 0x80) {
                controllerReset()
                raise()
              }
              return
            case 5:
              writeFifo(value)
              return
            default:
          }
        },
        sizes: [1],
      },
      'i82077 FDC',
    )
    .map(0x3f0)
  ctx
    .ioPorts(
      1,
      {
        read: () => {
          const unit = state.dor & 1
          return (state.changed[unit] ? 0x80 : 0) | 0x78
        },
        write: (_o, value) => {
          state.dataRate = value & 0x03
        },
        sizes: [1],
      },
      'i82077 FDC DIR/CCR',
    )
    .map(0x3f7)

  const firmwareDrives: FloppyFirmwareDrive[] = []
  drives.forEach((drive, unit) => drive && firmwareDrives.push({ unit: unit as 0 | 1, drive }))
  ctx.provide(floppyFirmwareContract, { drives: firmwareDrives })

  return {
    state,
    reset() {
      state.dor = 0
      state.dataRate = 0
      state.cylinder.fill(0)
      state.changed.fill(true)
      state.specify.fill(0)
      state.config = 0
      state.precomp = 0
      state.lock = false
      state.perpendicular = 0
      state.st0 = 0
      controllerReset()
      state.resetSenses = 0
    },
    afterReset() {
      dma = ctx.service(isaDmaContract)
      dma?.registerChannel(DMA_CHANNEL, dmaTransfer)
      updateIrq()
    },
    afterLoad() {
      dma = ctx.service(isaDmaContract)
      generation++
      // A read interrupted by save/load is re-issued; a write's data is still in the buffer.
      if (state.transfer !== 0 && state.waitingMedia) {
        state.waitingMedia = false
        if (state.transfer === 1) startTransfer(1)
        else dma?.setDreq(DMA_CHANNEL, true)
      } else if (state.transfer !== 0) dma?.setDreq(DMA_CHANNEL, true)
      updateIrq()
    },
  }
}

/** The floppy controller definition (config node 'i82078', VirtualBox's name for its FDC). */
export const i82077Fdc = defineDevice({
  name: 'i82078',
  description: 'Intel 82077AA floppy disk controller',
  maxInstances: 1,
  config: {},
  savedState: fdcState,
  create: createFdc,
})
