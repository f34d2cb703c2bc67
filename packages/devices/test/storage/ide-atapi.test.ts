// PIIX3 IDE with an ATAPI CD drive on an ISO 9660 image built by xorriso: the packet protocol, INQUIRY,
// READ CAPACITY, READ(10)/(12) by PIO and DMA compared with the image bytes, READ TOC, media change with
// UNIT ATTENTION, the eject lock, and errors for garbage and missing media.
import { beforeAll, describe, expect, it } from 'vitest'
import { statSync } from 'node:fs'
import { createBlockDrive, type BlockMedium } from '../../src/backends/block-backend'
import {
  BM_BASE,
  atapiPacket,
  fileMedium,
  ideMachine,
  makeIso,
  readFileBytes,
  readWords,
  scratchDir,
  waitNotBusy,
} from './ide-helpers'

let iso: { path: string; file: Uint8Array } = { path: '', file: new Uint8Array(0) }
let medium: BlockMedium

beforeAll(async () => {
  iso = makeIso(scratchDir())
  medium = await fileMedium(iso.path, 2048, true)
})

const READ10 = (lba: number, count: number) => [
  0x28,
  0,
  lba >>> 24,
  (lba >>> 16) & 0xff,
  (lba >>> 8) & 0xff,
  lba & 0xff,
  0,
  count >> 8,
  count & 0xff,
]

describe('PIIX3 IDE: ATAPI CD/DVD', () => {
  it('shows the packet signature and IDENTIFY PACKET DEVICE data', () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    m.io.out8(0x176, 0xa0)
    m.io.out8(0x177, 0xec) // IDENTIFY DEVICE is aborted with the signature
    expect(m.io.in8(0x177) & 0x01).toBe(1)
    expect([m.io.in8(0x174), m.io.in8(0x175)]).toEqual([0x14, 0xeb])
    m.io.out8(0x177, 0xa1)
    const id = readWords(m, 0x170, 256)
    expect(id[0]! | (id[1]! << 8)).toBe(0x85c0)
    expect(m.irq(15).risingEdges).toBe(2)
  })

  it('answers INQUIRY and READ CAPACITY for the ISO', async () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    const inquiry = await atapiPacket(m, [0x12, 0, 0, 0, 36, 0])
    expect(inquiry.data[0]).toBe(0x05)
    expect(new TextDecoder().decode(inquiry.data.subarray(8, 15))).toBe('BOXWOOD')
    // The first command after power-on may report the new medium; retry once as drivers do.
    let capacity = await atapiPacket(m, [0x25])
    if (capacity.status & 1) capacity = await atapiPacket(m, [0x25])
    const view = new DataView(capacity.data.buffer, capacity.data.byteOffset)
    expect(view.getUint32(0) + 1).toBe(statSync(iso.path).size / 2048)
    expect(view.getUint32(4)).toBe(2048)
  })

  it('reads the primary volume descriptor and the file by READ(10) and READ(12) with a byte-count limit', async () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    const pvd = await atapiPacket(m, READ10(16, 1))
    expect(pvd.status & 1).toBe(0)
    expect(new TextDecoder().decode(pvd.data.subarray(1, 6))).toBe('CD001')
    // Find DATA.BIN through the root directory record of the PVD (ISO 9660 §9.1).
    const rootLba = new DataView(pvd.data.buffer).getUint32(156 + 2, true)
    const root = (await atapiPacket(m, READ10(rootLba, 1))).data
    let fileLba = -1
    for (let o = 0; o < 2048 && root[o]! > 0; o += root[o]!) {
      const name = new TextDecoder().decode(root.subarray(o + 33, o + 33 + root[o + 32]!))
      if (name.startsWith('DATA.BIN')) fileLba = new DataView(root.buffer).getUint32(o + 2, true)
    }
    expect(fileLba).toBeGreaterThan(16)
    const read12 = await atapiPacket(m, [0xa8, 0, 0, 0, (fileLba >> 8) & 0xff, fileLba & 0xff, 0, 0, 0, 4], 1000)
    expect(Buffer.from(read12.data.subarray(0, iso.file.length)).equals(iso.file)).toBe(true)
    expect(Buffer.from(read12.data).equals(readFileBytes(iso.path, fileLba * 2048, 4 * 2048))).toBe(true)
  })

  it('reads many sectors in buffer-sized chunks', async () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    const total = statSync(iso.path).size / 2048
    const all = await atapiPacket(m, READ10(0, total))
    expect(all.status & 1).toBe(0)
    expect(Buffer.from(all.data).equals(readFileBytes(iso.path, 0, total * 2048))).toBe(true)
  })

  it('reads by DMA with the packet feature bit', async () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    m.memory.write32(0x1000, 0x4_0000)
    m.memory.write32(0x1004, 0x8000_0000 | 4096)
    m.io.out32(BM_BASE + 8 + 4, 0x1000)
    m.io.out8(0x171, 1) // DMA
    m.io.out8(0x177, 0xa0)
    const packet = new Uint8Array(12)
    packet.set(READ10(16, 2))
    for (let i = 0; i < 12; i += 2) m.io.out16(0x170, packet[i]! | (packet[i + 1]! << 8))
    m.io.out8(BM_BASE + 8, 0x09)
    const status = await waitNotBusy(m, 0x376)
    expect(status & 0x09).toBe(0)
    expect(m.io.in8(BM_BASE + 8 + 2) & 0x07).toBe(0x04)
    const got = new Uint8Array(4096)
    for (let i = 0; i < 4096; i++) got[i] = m.memory.read8(0x4_0000 + i)
    expect(Buffer.from(got).equals(readFileBytes(iso.path, 16 * 2048, 4096))).toBe(true)
  })

  it('reports the TOC in LBA and MSF form', async () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    const toc = await atapiPacket(m, [0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0])
    expect(toc.data.length).toBe(20)
    expect([toc.data[2], toc.data[3], toc.data[6], toc.data[14]]).toEqual([1, 1, 1, 0xaa])
    const leadOut = new DataView(toc.data.buffer).getUint32(16)
    expect(leadOut).toBe(statSync(iso.path).size / 2048)
    const msf = await atapiPacket(m, [0x43, 2, 0, 0, 0, 0, 0, 0, 100, 0])
    expect(Array.from(msf.data.subarray(8, 12))).toEqual([0, 0, 2, 0]) // track 1 at 00:02:00
  })

  it('handles media change, eject lock and a missing medium', async () => {
    const drive = createBlockDrive('cdrom')
    const m = ideMachine({ 2: drive })
    const notReady = await atapiPacket(m, [0x00])
    expect(notReady.status & 1).toBe(1)
    expect(notReady.error >> 4).toBe(0x02)
    const sense = await atapiPacket(m, [0x03, 0, 0, 0, 18, 0])
    expect([sense.data[2], sense.data[12]]).toEqual([0x02, 0x3a])
    drive.insert(medium)
    const attention = await atapiPacket(m, [0x00])
    expect(attention.error >> 4).toBe(0x06)
    expect((await atapiPacket(m, [0x00])).status & 1).toBe(0)
    await atapiPacket(m, [0x1e, 0, 0, 0, 1, 0]) // prevent removal
    expect(drive.eject()).toBe(false)
    const refused = await atapiPacket(m, [0x1b, 0, 0, 0, 0x02, 0])
    expect(refused.error >> 4).toBe(0x05)
    await atapiPacket(m, [0x1e, 0, 0, 0, 0, 0])
    expect((await atapiPacket(m, [0x1b, 0, 0, 0, 0x02, 0])).status & 1).toBe(0)
    expect(drive.medium).toBeUndefined()
  })

  it('rejects garbage opcodes and reads past the end with ILLEGAL REQUEST', async () => {
    const m = ideMachine({ 2: createBlockDrive('cdrom', medium) })
    await atapiPacket(m, [0x00])
    const bad = await atapiPacket(m, [0xff])
    expect(bad.error >> 4).toBe(0x05)
    const past = await atapiPacket(m, READ10(1_000_000, 1))
    expect(past.error >> 4).toBe(0x05)
    const sense = await atapiPacket(m, [0x03, 0, 0, 0, 18, 0])
    expect(sense.data[12]).toBe(0x21)
    // ATA data commands are aborted on a packet device.
    m.io.out8(0x177, 0x20)
    expect(m.io.in8(0x171) & 0x04).toBe(0x04)
  })
})
