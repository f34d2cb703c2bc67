// One IDE channel (ATA/ATAPI-6, T13/1410D): task-file registers with the 48-bit HOB shadows, device selection,
// soft reset and signatures, PIO data-in/data-out with DRQ blocks (READ/WRITE SECTORS, MULTIPLE, EXT), DMA
// through the SFF-8038i bus master (PRD tables walked through the bounds-checked DMA view), the PACKET
// protocol of ATAPI devices with byte-count-limited DRQ blocks, and ABRT for everything unknown. Media I/O
// is asynchronous: the device stays BSY until the medium answers (a generation number drops answers that
// arrive after a reset).
import type { DmaView, Field, IrqLine } from '@boxwood/vmm/device-api'
import type { BlockDrive, BlockMedium } from '../../backends/block-backend'
import { defaultGeometry, identifyAtapi, identifyDisk } from './ata-identify'
import { CD_SECTOR, runAtapiCommand, SENSE, type AtapiSense } from './atapi-commands'
import { BUFFER_BYTES, ER, PHASE, ST, type ideChannelFields, type ideDriveFields } from './ide-state'

type FieldValue<F> = F extends Field<infer T> ? T : never
/** Saved state of a channel. */
export type IdeChannelState = FieldValue<typeof ideChannelFields>
type DriveState = FieldValue<typeof ideDriveFields>

const MAX_MULTIPLE = 16
/** Bus master status bits (SFF-8038i). */
const BM = { ACTIVE: 0x01, ERROR: 0x02, IRQ: 0x04 } as const
/** ATAPI interrupt reason bits in the sector count register. */
const IREASON = { COD: 0x01, IO: 0x02 } as const
/** Upper bound of PRD entries walked per transfer (a table fits a 64 KB page). */
const MAX_PRD_ENTRIES = 8192

const READ_PIO = new Set([0x20, 0x21, 0x24, 0x29, 0xc4])
const WRITE_PIO = new Set([0x30, 0x31, 0x34, 0x39, 0xc5])
const DMA_COMMANDS = new Set([0xc8, 0xc9, 0xca, 0xcb, 0x25, 0x35])
const EXT_COMMANDS = new Set([0x24, 0x29, 0x34, 0x39, 0x25, 0x35, 0x42, 0xea])
const MULTIPLE_COMMANDS = new Set([0xc4, 0xc5, 0x29, 0x39])

/** A channel with up to two drives. */
export class IdeChannel {
  private generation = 0

  readonly state: IdeChannelState
  private readonly drives: readonly [BlockDrive | undefined, BlockDrive | undefined]
  private readonly irq: IrqLine
  private readonly dma: DmaView
  private readonly serialBase: string
  private readonly mayMaster: () => boolean

  constructor(
    state: IdeChannelState,
    drives: readonly [BlockDrive | undefined, BlockDrive | undefined],
    irq: IrqLine,
    dma: DmaView,
    serialBase: string,
    mayMaster: () => boolean = () => true,
  ) {
    this.state = state
    this.drives = drives
    this.irq = irq
    this.dma = dma
    this.serialBase = serialBase
    this.mayMaster = mayMaster
    drives.forEach((drive, unit) => {
      if (drive?.kind === 'cdrom') {
        drive.onMediumChange(() => {
          const d = this.state.drives[unit]!
          d.unitAttention = true
          d.mediaEvent = drive.medium ? 2 : 3
        })
      }
    })
  }

  // ---- reset ----

  /** Power-on/hard reset of the channel (phase 1: no IRQ edges). */
  reset(): void {
    const s = this.state
    this.generation++
    s.feature = s.hobFeature = s.hobNsector = s.hobSector = s.hobLcyl = s.hobHcyl = 0
    s.select = 0xa0
    s.control = 0
    s.irqPending = false
    s.bmCommand = s.bmStatus = 0
    s.bmPrd = 0
    s.prdEntry = s.prdOffset = 0
    for (let unit = 0; unit < 2; unit++) {
      const d = s.drives[unit]!
      d.multiple = 0
      d.mdma = -1
      d.udma = -1
      d.senseKey = d.asc = 0
      d.unitAttention = false
      d.mediaEvent = 0
      const drive = this.drives[unit]
      if (drive?.kind === 'hard-disk' && drive.medium) {
        const g = defaultGeometry(Math.floor(drive.medium.size / 512))
        d.heads = g.heads
        d.sectors = g.sectors
      }
      this.softResetDrive(unit)
    }
    this.setSignature(0)
  }

  /** Phase 2: drive the IRQ line to its state. */
  updateIrq(): void {
    if (this.state.irqPending && (this.state.control & 0x02) === 0) this.irq.raise()
    else this.irq.lower()
  }

  private softResetDrive(unit: number): void {
    const d = this.state.drives[unit]!
    d.phase = PHASE.IDLE
    d.pos = d.len = d.drqEnd = 0
    d.dma = false
    d.command = 0
    d.error = 0x01 // diagnostic code: no error
    const drive = this.drives[unit]
    d.status = drive === undefined ? 0 : drive.kind === 'cdrom' ? 0 : ST.DRDY | ST.DSC
  }

  private setSignature(unit: number): void {
    const s = this.state
    s.nsector = s.sector = 1
    const atapi = this.drives[unit]?.kind === 'cdrom'
    s.lcyl = atapi ? 0x14 : 0
    s.hcyl = atapi ? 0xeb : 0
  }

  private get unit(): number {
    return (this.state.select >> 4) & 1
  }

  private get present(): boolean {
    return this.drives[this.unit] !== undefined
  }

  private raise(): void {
    this.state.irqPending = true
    this.updateIrq()
  }

  // ---- register access ----

  /** Reads a command-block register (offset 0..7 from 0x1F0/0x170). */
  readRegister(offset: number, size: number): number {
    const s = this.state
    if (this.drives[0] === undefined && this.drives[1] === undefined)
      return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff
    if (offset === 0) return this.readData(size)
    const hob = (s.control & 0x80) !== 0
    const d = s.drives[this.unit]!
    switch (offset) {
      case 1:
        return this.present ? (hob ? s.hobFeature : d.error) : 0
      case 2:
        return hob ? s.hobNsector : s.nsector
      case 3:
        return hob ? s.hobSector : s.sector
      case 4:
        return hob ? s.hobLcyl : s.lcyl
      case 5:
        return hob ? s.hobHcyl : s.hcyl
      case 6:
        return s.select
      default:
        s.irqPending = false
        this.updateIrq()
        return this.present ? d.status : 0
    }
  }

  /** Reads the alternate status register (no interrupt acknowledge). */
  readAltStatus(): number {
    if (this.drives[0] === undefined && this.drives[1] === undefined) return 0xff
    return this.present ? this.state.drives[this.unit]!.status : 0
  }

  /** Writes the device control register (nIEN, SRST, HOB). */
  writeControl(value: number): void {
    const s = this.state
    const wasReset = (s.control & 0x04) !== 0
    s.control = value & 0x86
    if (!wasReset && value & 0x04) {
      this.generation++
      for (let unit = 0; unit < 2; unit++) {
        this.softResetDrive(unit)
        s.drives[unit]!.status |= this.drives[unit] ? ST.BSY : 0
      }
    } else if (wasReset && !(value & 0x04)) {
      for (let unit = 0; unit < 2; unit++) this.softResetDrive(unit)
      s.select &= ~0x10
      this.setSignature(0)
    }
    this.updateIrq()
  }

  /** Writes a command-block register. */
  writeRegister(offset: number, value: number, size: number): void {
    const s = this.state
    if (offset === 0) {
      this.writeData(value, size)
      return
    }
    value &= 0xff
    s.control &= ~0x80
    switch (offset) {
      case 1:
        s.hobFeature = s.feature
        s.feature = value
        return
      case 2:
        s.hobNsector = s.nsector
        s.nsector = value
        return
      case 3:
        s.hobSector = s.sector
        s.sector = value
        return
      case 4:
        s.hobLcyl = s.lcyl
        s.lcyl = value
        return
      case 5:
        s.hobHcyl = s.hcyl
        s.hcyl = value
        return
      case 6:
        s.select = value | 0xa0
        return
      default:
        this.command(value)
    }
  }

  // ---- PIO data port ----

  private readData(size: number): number {
    const d = this.state.drives[this.unit]!
    if (d.phase !== PHASE.PIO_IN || !this.present) return size === 4 ? 0xffffffff : 0xffff
    let value = 0
    for (let i = 0; i < size && d.pos < d.drqEnd; i++) value |= d.buffer[d.pos++]! << (8 * i)
    if (d.pos >= d.drqEnd) this.dataInBlockDone(d)
    return value >>> 0
  }

  private writeData(value: number, size: number): void {
    const d = this.state.drives[this.unit]!
    if ((d.phase !== PHASE.PIO_OUT && d.phase !== PHASE.PACKET) || !this.present) return
    for (let i = 0; i < size && d.pos < d.len; i++) d.buffer[d.pos++] = (value >>> (8 * i)) & 0xff
    if (d.pos < d.len) return
    if (d.phase === PHASE.PACKET) {
      d.packet.set(d.buffer.subarray(0, 12))
      this.runPacket(d)
    } else {
      d.status = ST.BSY | ST.DRDY | ST.DSC
      d.phase = PHASE.BUSY
      this.startMediaIo(d)
    }
  }

  private dataInBlockDone(d: DriveState): void {
    const atapi = this.drives[this.unit]?.kind === 'cdrom'
    if (atapi) {
      if (d.pos < d.len) {
        this.atapiDrqBlock(d)
        return
      }
      if (d.remaining > 0) {
        d.status = ST.BSY | ST.DRDY
        d.phase = PHASE.BUSY
        this.startMediaIo(d)
        return
      }
      this.atapiComplete(d)
      return
    }
    if (d.pos < d.len) {
      // The next DRQ block is already in the buffer (read ahead): offer it at once, with its interrupt.
      d.drqEnd = Math.min(d.pos + d.blockSectors * 512, d.len)
      d.status = ST.DRDY | ST.DSC | ST.DRQ
      this.raise()
      return
    }
    if (d.remaining > 0) {
      d.status = ST.BSY | ST.DRDY | ST.DSC
      d.phase = PHASE.BUSY
      this.startMediaIo(d)
      return
    }
    d.phase = PHASE.IDLE
    d.status = ST.DRDY | ST.DSC
  }

  // ---- commands ----

  private abort(d: DriveState): void {
    d.phase = PHASE.IDLE
    d.status = ST.DRDY | ST.DSC | ST.ERR
    d.error = ER.ABRT
    this.raise()
  }

  private complete(d: DriveState): void {
    d.phase = PHASE.IDLE
    d.status = ST.DRDY | ST.DSC
    d.error = 0
    this.raise()
  }

  private command(cmd: number): void {
    const s = this.state
    if (cmd === 0x90) {
      // EXECUTE DEVICE DIAGNOSTIC: both devices, device 0 answers.
      for (let unit = 0; unit < 2; unit++) this.softResetDrive(unit)
      s.select &= ~0x10
      this.setSignature(0)
      if (this.present) this.raise()
      return
    }
    const drive = this.drives[this.unit]
    if (!drive) return // nobody to answer
    const d = s.drives[this.unit]!
    if (d.status & ST.BSY && cmd !== 0x08) return
    d.command = cmd
    d.error = 0
    if (drive.kind === 'cdrom') {
      this.atapiAtaCommand(d, cmd)
      return
    }
    const medium = drive.medium!
    if (
      READ_PIO.has(cmd) ||
      WRITE_PIO.has(cmd) ||
      DMA_COMMANDS.has(cmd) ||
      cmd === 0x40 ||
      cmd === 0x41 ||
      cmd === 0x42
    ) {
      if (MULTIPLE_COMMANDS.has(cmd) && d.multiple === 0) return this.abort(d)
      const { lba, count } = this.address(d, EXT_COMMANDS.has(cmd))
      const total = Math.floor(medium.size / 512)
      if (lba < 0 || lba + count > total) {
        d.phase = PHASE.IDLE
        d.status = ST.DRDY | ST.DSC | ST.ERR
        d.error = ER.IDNF
        this.raise()
        return
      }
      d.lba = lba
      d.remaining = count
      d.dma = DMA_COMMANDS.has(cmd)
      if (cmd === 0x40 || cmd === 0x41 || cmd === 0x42) {
        this.setAddress(d, lba + count - 1, cmd === 0x42)
        return this.complete(d) // READ VERIFY: nothing to transfer
      }
      if ((WRITE_PIO.has(cmd) || cmd === 0xca || cmd === 0xcb || cmd === 0x35) && medium.readOnly) return this.abort(d)
      d.blockSectors = MULTIPLE_COMMANDS.has(cmd) ? d.multiple : 1
      if (d.dma) {
        d.phase = PHASE.DMA_WAIT
        d.status = ST.DRDY | ST.DSC | ST.DRQ
        this.tryStartDma()
      } else if (WRITE_PIO.has(cmd)) {
        this.beginPioOut(d)
      } else {
        d.phase = PHASE.BUSY
        d.status = ST.BSY | ST.DRDY | ST.DSC
        this.startMediaIo(d)
      }
      return
    }
    switch (cmd) {
      case 0xec: {
        const data = identifyDisk(
          Math.floor(medium.size / 512),
          this.logical(d, medium),
          d,
          this.serial(),
          MAX_MULTIPLE,
        )
        this.dataIn(d, data)
        return
      }
      case 0xc6: {
        // SET MULTIPLE MODE: a power of two up to the maximum, or 0 to disable.
        const n = s.nsector
        if (n > MAX_MULTIPLE || (n & (n - 1)) !== 0) return this.abort(d)
        d.multiple = n
        return this.complete(d)
      }
      case 0x91: {
        // INITIALIZE DEVICE PARAMETERS: logical heads/sectors for CHS addressing.
        if (s.nsector === 0) return this.abort(d)
        d.heads = (s.select & 0x0f) + 1
        d.sectors = s.nsector
        return this.complete(d)
      }
      case 0xe7:
      case 0xea: {
        d.phase = PHASE.BUSY
        d.status = ST.BSY | ST.DRDY
        const generation = this.generation
        medium.flush().then(
          () => generation === this.generation && this.complete(d),
          () => generation === this.generation && this.abort(d),
        )
        return
      }
      case 0xef:
        return this.setFeatures(d)
      case 0x10:
      case 0x70:
      case 0xe0:
      case 0xe1:
      case 0xe2:
      case 0xe3:
      case 0xe6:
      case 0x00:
        if (cmd === 0x00) return this.abort(d) // NOP always aborts
        return this.complete(d)
      case 0xe5:
        s.nsector = 0xff // CHECK POWER MODE: active
        return this.complete(d)
      case 0xf8:
      case 0x27: {
        // READ NATIVE MAX ADDRESS (EXT).
        const max = Math.floor(medium.size / 512) - 1
        this.setAddress(d, cmd === 0xf8 ? Math.min(max, 0x0fff_ffff) : max, cmd === 0x27)
        return this.complete(d)
      }
      default:
        return this.abort(d)
    }
  }

  private setFeatures(d: DriveState): void {
    const s = this.state
    if (s.feature === 0x03) {
      // Set transfer mode: PIO (00h/08h+n), multiword DMA (20h+n), Ultra DMA (40h+n).
      const mode = s.nsector
      if (mode >> 3 === 4 && (mode & 7) <= 2) {
        d.mdma = mode & 7
        d.udma = -1
      } else if (mode >> 3 === 8 && (mode & 7) <= 5) {
        d.udma = mode & 7
        d.mdma = -1
      } else if (mode >> 3 > 1) {
        return this.abort(d)
      }
      return this.complete(d)
    }
    if ([0x02, 0x82, 0x66, 0xcc, 0xaa, 0x55].includes(s.feature)) return this.complete(d)
    return this.abort(d)
  }

  private logical(d: DriveState, medium: BlockMedium): { cylinders: number; heads: number; sectors: number } {
    const heads = d.heads || 16
    const sectors = d.sectors || 63
    return { cylinders: Math.min(65535, Math.floor(medium.size / 512 / (heads * sectors))), heads, sectors }
  }

  private serial(): string {
    return `${this.serialBase}${this.unit}`
  }

  /** The start sector and count of the command in the task file (LBA28, LBA48 or CHS). */
  private address(d: DriveState, ext: boolean): { lba: number; count: number } {
    const s = this.state
    if (ext) {
      const lba =
        s.hobHcyl * 2 ** 40 + s.hobLcyl * 2 ** 32 + s.hobSector * 2 ** 24 + ((s.hcyl << 16) | (s.lcyl << 8) | s.sector)
      const count = (s.hobNsector << 8) | s.nsector || 0x1_0000
      return { lba, count }
    }
    const count = s.nsector || 256
    if (s.select & 0x40) return { lba: ((s.select & 0x0f) << 24) | (s.hcyl << 16) | (s.lcyl << 8) | s.sector, count }
    const heads = d.heads || 16
    const sectors = d.sectors || 63
    const cyl = (s.hcyl << 8) | s.lcyl
    const head = s.select & 0x0f
    if (s.sector === 0 || s.sector > sectors || head >= heads) return { lba: -1, count }
    return { lba: (cyl * heads + head) * sectors + s.sector - 1, count }
  }

  /** Writes `lba` back to the task file (the address of the last sector moved, ATA §6.2). */
  private setAddress(d: DriveState, lba: number, ext: boolean): void {
    const s = this.state
    if (ext) {
      s.sector = lba & 0xff
      s.lcyl = (lba >>> 8) & 0xff
      s.hcyl = (lba >>> 16) & 0xff
      s.hobSector = Math.floor(lba / 2 ** 24) & 0xff
      s.hobLcyl = Math.floor(lba / 2 ** 32) & 0xff
      s.hobHcyl = Math.floor(lba / 2 ** 40) & 0xff
    } else if (s.select & 0x40) {
      s.sector = lba & 0xff
      s.lcyl = (lba >>> 8) & 0xff
      s.hcyl = (lba >>> 16) & 0xff
      s.select = (s.select & 0xf0) | ((lba >>> 24) & 0x0f)
    } else {
      const heads = d.heads || 16
      const sectors = d.sectors || 63
      const cyl = Math.floor(lba / (heads * sectors))
      s.sector = (lba % sectors) + 1
      s.select = (s.select & 0xf0) | (Math.floor(lba / sectors) % heads)
      s.lcyl = cyl & 0xff
      s.hcyl = (cyl >> 8) & 0xff
    }
  }

  /** Starts a PIO data-in transfer of `data` (one DRQ block). */
  private dataIn(d: DriveState, data: Uint8Array): void {
    d.buffer.set(data)
    d.pos = 0
    d.len = d.drqEnd = data.length
    d.remaining = 0
    d.phase = PHASE.PIO_IN
    d.status = ST.DRDY | ST.DSC | ST.DRQ
    this.raise()
  }

  private beginPioOut(d: DriveState): void {
    const sectors = Math.min(d.blockSectors, d.remaining)
    d.pos = 0
    d.len = d.drqEnd = sectors * 512
    d.phase = PHASE.PIO_OUT
    d.status = ST.DRDY | ST.DSC | ST.DRQ
  }

  // ---- media I/O ----

  /** Issues the media read or write of the current block (also re-issued after a saved-state load). */
  startMediaIo(d: DriveState): void {
    const unit = this.state.drives.indexOf(d)
    const drive = this.drives[unit]
    const medium = drive?.medium
    const generation = this.generation
    const atapi = drive?.kind === 'cdrom'
    if (!medium) {
      if (atapi) this.atapiCheck(d, SENSE.NOT_READY, SENSE.ASC_MEDIUM_NOT_PRESENT)
      else this.abort(d)
      return
    }
    if (d.dma) {
      this.dmaChunk(d, medium, atapi, generation)
      return
    }
    const sectorSize = atapi ? CD_SECTOR : 512
    const writing = !atapi && WRITE_PIO.has(d.command)
    // PIO reads fetch up to a buffer's worth of sectors in one medium request and hand them to the host DRQ
    // block by DRQ block (VirtualBox DevATA does the same): one asynchronous wait per 64 KiB, not per sector.
    const sectors =
      atapi || !writing ? Math.min(d.remaining, BUFFER_BYTES / sectorSize) : Math.min(d.blockSectors, d.remaining)
    const bytes = d.buffer.subarray(0, sectors * sectorSize)
    const io = writing ? medium.write(d.lba * sectorSize, bytes) : medium.read(d.lba * sectorSize, bytes)
    io.then(
      () => {
        if (generation !== this.generation || d.phase !== PHASE.BUSY) return
        const ext = EXT_COMMANDS.has(d.command)
        if (!atapi) this.setAddress(d, d.lba + sectors - 1, ext)
        d.lba += sectors
        d.remaining -= sectors
        if (writing) {
          if (d.remaining > 0) this.beginPioOut(d)
          else {
            d.phase = PHASE.IDLE
            d.status = ST.DRDY | ST.DSC
          }
          this.raise()
          return
        }
        d.pos = 0
        d.len = bytes.length
        if (atapi) {
          this.atapiDrqBlock(d)
          return
        }
        d.drqEnd = Math.min(d.blockSectors * 512, d.len)
        d.phase = PHASE.PIO_IN
        d.status = ST.DRDY | ST.DSC | ST.DRQ
        this.raise()
      },
      () => {
        if (generation !== this.generation) return
        if (atapi) return this.atapiCheck(d, 0x03, 0x11) // MEDIUM ERROR, UNRECOVERED READ ERROR
        d.phase = PHASE.IDLE
        d.status = ST.DRDY | ST.DSC | ST.ERR
        d.error = ER.UNC
        this.raise()
      },
    )
  }

  // ---- bus master DMA ----

  /** Reads a bus master register (offset 0..7 within the channel's 8 bytes). */
  readBusMaster(offset: number): number {
    const s = this.state
    switch (offset) {
      case 0:
        return s.bmCommand
      case 2:
        return s.bmStatus | 0x60 // both drives DMA capable
      case 4:
      case 5:
      case 6:
      case 7:
        return (s.bmPrd >>> ((offset - 4) * 8)) & 0xff
      default:
        return 0
    }
  }

  /** Writes a bus master register (byte-wide; the device splits wider accesses). */
  writeBusMaster(offset: number, value: number): void {
    const s = this.state
    switch (offset) {
      case 0: {
        const starting = (value & 1) !== 0 && (s.bmCommand & 1) === 0
        s.bmCommand = value & 0x09
        if ((value & 1) === 0) s.bmStatus &= ~BM.ACTIVE
        if (starting) {
          s.bmStatus |= BM.ACTIVE
          s.prdEntry = 0
          s.prdOffset = 0
          this.tryStartDma()
        }
        return
      }
      case 2:
        // Interrupt and error bits are write-one-to-clear; the drive-capable bits 5/6 read as set.
        s.bmStatus = s.bmStatus & ~(value & (BM.IRQ | BM.ERROR)) & 0x07
        return
      case 4:
      case 5:
      case 6:
      case 7: {
        const shift = (offset - 4) * 8
        s.bmPrd = ((s.bmPrd & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0
        s.bmPrd = (s.bmPrd & ~3) >>> 0
        return
      }
      default:
    }
  }

  private tryStartDma(): void {
    const s = this.state
    if ((s.bmCommand & 1) === 0) return
    for (let unit = 0; unit < 2; unit++) {
      const d = s.drives[unit]!
      if (d.phase !== PHASE.DMA_WAIT) continue
      d.phase = PHASE.BUSY
      d.status = ST.BSY | ST.DRDY | ST.DSC
      if (this.drives[unit]?.kind === 'cdrom' && d.remaining === 0) {
        // Data of a non-read packet command, already in the buffer.
        if (!this.prdTransfer(d.buffer.subarray(0, d.len), true)) return this.dmaFailed(d, true)
        return this.dmaDone(d, true)
      }
      this.startMediaIo(d)
      return
    }
  }

  /** Moves `bytes` between the buffer and the PRD regions; false when the table ends first or mastering is off. */
  private prdTransfer(bytes: Uint8Array, toMemory: boolean): boolean {
    const s = this.state
    // PCICMD.BME clear: the first PRD fetch master-aborts, which the bus master reports as an error.
    if (!this.mayMaster()) return false
    let done = 0
    while (done < bytes.length) {
      if (s.prdEntry >= MAX_PRD_ENTRIES) return false
      // Every address wraps at 4 GiB as the 32-bit bus master's does (a table at FFFFFFF8h stays in range).
      const entry = (s.bmPrd + s.prdEntry * 8) >>> 0
      const address = this.dma.readU32(entry) & ~1
      const control = this.dma.readU32((entry + 4) >>> 0)
      const raw = control & 0xfffe
      const length = raw === 0 ? 0x1_0000 : raw
      const last = (control & 0x8000_0000) !== 0
      const n = Math.min(length - s.prdOffset, bytes.length - done)
      const gpa = (address + s.prdOffset) >>> 0
      if (gpa + n <= 0x1_0000_0000) {
        if (toMemory) this.dma.write(gpa, bytes.subarray(done, done + n))
        else this.dma.read(gpa, bytes.subarray(done, done + n))
      }
      done += n
      s.prdOffset += n
      if (s.prdOffset >= length) {
        if (last) {
          s.prdEntry = MAX_PRD_ENTRIES // table consumed
          return done >= bytes.length
        }
        s.prdEntry++
        s.prdOffset = 0
      }
    }
    return true
  }

  private dmaChunk(d: DriveState, medium: BlockMedium, atapi: boolean, generation: number): void {
    const sectorSize = atapi ? CD_SECTOR : 512
    const writing = !atapi && (d.command === 0xca || d.command === 0xcb || d.command === 0x35)
    const sectors = Math.min(d.remaining, BUFFER_BYTES / sectorSize)
    const bytes = d.buffer.subarray(0, sectors * sectorSize)
    if (writing && !this.prdTransfer(bytes, false)) return this.dmaFailed(d, atapi)
    const io = writing ? medium.write(d.lba * sectorSize, bytes) : medium.read(d.lba * sectorSize, bytes)
    io.then(
      () => {
        if (generation !== this.generation || d.phase !== PHASE.BUSY) return
        if (!writing && !this.prdTransfer(bytes, true)) return this.dmaFailed(d, atapi)
        if (!atapi) this.setAddress(d, d.lba + sectors - 1, EXT_COMMANDS.has(d.command))
        d.lba += sectors
        d.remaining -= sectors
        if (d.remaining > 0) return this.dmaChunk(d, medium, atapi, generation)
        this.dmaDone(d, atapi)
      },
      () => {
        if (generation !== this.generation) return
        this.dmaFailed(d, atapi)
      },
    )
  }

  private dmaDone(d: DriveState, atapi: boolean): void {
    const s = this.state
    // The table was exactly consumed: the engine stops; a longer table leaves ACTIVE set (SFF-8038i).
    if (s.prdEntry >= MAX_PRD_ENTRIES) s.bmStatus &= ~BM.ACTIVE
    s.bmStatus |= BM.IRQ
    d.dma = false
    if (atapi) return this.atapiComplete(d)
    this.complete(d)
  }

  private dmaFailed(d: DriveState, atapi: boolean): void {
    const s = this.state
    s.bmStatus = (s.bmStatus & ~BM.ACTIVE) | BM.IRQ | BM.ERROR
    d.dma = false
    if (atapi) return this.atapiCheck(d, 0x04, 0x00) // HARDWARE ERROR
    this.abort(d)
  }

  // ---- ATAPI ----

  private atapiAtaCommand(d: DriveState, cmd: number): void {
    const s = this.state
    switch (cmd) {
      case 0xa1:
        this.dataIn(d, identifyAtapi(d, this.serial()))
        return
      case 0xa0: {
        // PACKET: receive 12 command bytes; feature bit 0 selects DMA for the data.
        d.dma = (s.feature & 1) !== 0
        d.byteLimit = ((s.hcyl << 8) | s.lcyl) & 0xfffe || 0xfffe
        d.pos = 0
        d.len = d.drqEnd = 12
        d.phase = PHASE.PACKET
        d.status = ST.DRDY | ST.DRQ
        s.nsector = IREASON.COD
        return
      }
      case 0x08:
        // DEVICE RESET: signature, no interrupt.
        this.softResetDrive(this.unit)
        this.setSignature(this.unit)
        return
      case 0xef:
        return this.setFeatures(d)
      case 0xe5:
        s.nsector = 0xff
        return this.complete(d)
      case 0xec:
        // IDENTIFY DEVICE on a packet device: abort with the ATAPI signature (ATA §8.15).
        this.setSignature(this.unit)
        d.phase = PHASE.IDLE
        d.status = ST.DRDY | ST.ERR
        d.error = ER.ABRT
        this.raise()
        return
      default:
        d.phase = PHASE.IDLE
        d.status = ST.DRDY | ST.ERR
        d.error = ER.ABRT
        this.raise()
    }
  }

  private runPacket(d: DriveState): void {
    const unit = this.state.drives.indexOf(d)
    const drive = this.drives[unit]!
    const sense: AtapiSense = d
    const result = runAtapiCommand(d.packet, drive, sense)
    switch (result.kind) {
      case 'done':
        return this.atapiComplete(d)
      case 'check':
        return this.atapiCheck(d, result.key, result.asc)
      case 'data': {
        if (result.data.length === 0) return this.atapiComplete(d)
        d.buffer.set(result.data)
        d.pos = 0
        d.len = result.data.length
        d.remaining = 0
        if (d.dma) {
          this.atapiDmaData(d)
          return
        }
        this.atapiDrqBlock(d)
        return
      }
      case 'read':
        d.lba = result.lba
        d.remaining = result.count
        d.phase = d.dma ? PHASE.DMA_WAIT : PHASE.BUSY
        d.status = ST.BSY | ST.DRDY
        if (d.dma) {
          d.status = ST.DRDY | ST.DRQ
          this.tryStartDma()
        } else {
          this.startMediaIo(d)
        }
    }
  }

  /** Data that came from a non-read command, sent by DMA in one go. */
  private atapiDmaData(d: DriveState): void {
    d.phase = PHASE.DMA_WAIT
    d.status = ST.DRDY | ST.DRQ
    d.remaining = 0
    this.tryStartDma()
  }

  /** Offers the next byte-count-limited DRQ block of the buffer to the host. */
  private atapiDrqBlock(d: DriveState): void {
    const s = this.state
    const n = Math.min(d.len - d.pos, d.byteLimit)
    d.drqEnd = d.pos + n
    s.lcyl = n & 0xff
    s.hcyl = n >> 8
    s.nsector = IREASON.IO
    d.phase = PHASE.PIO_IN
    d.status = ST.DRDY | ST.DRQ
    this.raise()
  }

  private atapiComplete(d: DriveState): void {
    d.phase = PHASE.IDLE
    d.status = ST.DRDY
    d.error = 0
    d.senseKey = 0
    d.asc = 0
    this.state.nsector = IREASON.IO | IREASON.COD
    this.raise()
  }

  private atapiCheck(d: DriveState, key: number, asc: number): void {
    d.phase = PHASE.IDLE
    d.status = ST.DRDY | ST.ERR
    d.error = (key << 4) | (key === SENSE.ILLEGAL_REQUEST ? ER.ABRT : 0)
    d.senseKey = key
    d.asc = asc
    this.state.nsector = IREASON.IO | IREASON.COD
    this.raise()
  }

  /** After a saved-state load: re-issue media I/O that was in flight when the state was saved. */
  resumeAfterLoad(): void {
    this.generation++
    for (const d of this.state.drives) if (d.phase === PHASE.BUSY) this.startMediaIo(d)
    this.updateIrq()
  }

  /** The drive objects (for the firmware service). */
  driveAt(unit: number): BlockDrive | undefined {
    return this.drives[unit]
  }
}
