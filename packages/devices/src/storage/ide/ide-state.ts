// Saved state of one IDE channel and its two devices (ATA/ATAPI-6 task file, T13/1410D §7; SFF-8038i bus
// master registers) and the constants the channel logic shares.
import { array, bool, bytes, i8, i64, struct, u16, u32, u8 } from '@boxwood/vmm/device-api'

/** Transfer buffer of a device: 128 ATA sectors or 32 CD sectors. */
export const BUFFER_BYTES = 0x1_0000

/** Status register bits. */
export const ST = { ERR: 0x01, DRQ: 0x08, DSC: 0x10, DRDY: 0x40, BSY: 0x80 } as const
/** Error register bits. */
export const ER = { ABRT: 0x04, IDNF: 0x10, UNC: 0x40 } as const

/** Transfer phases of a device. */
export const PHASE = { IDLE: 0, PIO_IN: 1, PIO_OUT: 2, BUSY: 3, DMA_WAIT: 4, PACKET: 5 } as const

/** One device's registers and transfer progress. */
export const ideDriveFields = struct({
  status: u8,
  error: u8,
  phase: u8,
  command: u8,
  /** Next sector (ATA, 512-byte) or CD block (ATAPI) of the transfer. */
  lba: i64,
  /** Sectors or CD blocks still to move, including the block in the buffer. */
  remaining: u32,
  /** Sectors per DRQ block (ATA) or blocks in the buffer (ATAPI). */
  blockSectors: u16,
  pos: u32,
  len: u32,
  /** End of the current DRQ data block within the buffer. */
  drqEnd: u32,
  buffer: bytes(BUFFER_BYTES),
  dma: bool,
  multiple: u8,
  heads: u8,
  sectors: u8,
  mdma: i8,
  udma: i8,
  packet: bytes(12),
  senseKey: u8,
  asc: u8,
  unitAttention: bool,
  mediaEvent: u8,
  byteLimit: u16,
})

/** One channel: the shared task file, the device control register, the bus master and two devices. */
export const ideChannelFields = struct({
  feature: u8,
  nsector: u8,
  sector: u8,
  lcyl: u8,
  hcyl: u8,
  hobFeature: u8,
  hobNsector: u8,
  hobSector: u8,
  hobLcyl: u8,
  hobHcyl: u8,
  select: u8,
  control: u8,
  irqPending: bool,
  bmCommand: u8,
  bmStatus: u8,
  bmPrd: u32,
  /** PRD cursor of a DMA transfer in progress: entry index and bytes used of it. */
  prdEntry: u16,
  prdOffset: u32,
  drives: array(2, ideDriveFields),
})
