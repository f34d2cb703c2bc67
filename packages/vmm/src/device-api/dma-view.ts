// The DMA view of guest memory handed to devices: argument checks in front of GuestMemory.dmaRead/dmaWrite
// (which already make bytes outside RAM read 0xFF and drop writes outside RAM).
import type { GuestMemory } from '../memory/guest-memory'
import type { DmaView } from './device'

/** A device passed an impossible DMA address or span (a device bug: guest addresses are masked to 32 bits). */
export class DmaError extends Error {
  override readonly name = 'DmaError'
  readonly code = 'DMA_ADDRESS'
}

const LIMIT = 0x1_0000_0000

function check(gpa: number, length: number, who: string): void {
  if (!Number.isInteger(gpa) || gpa < 0 || gpa + length > LIMIT) {
    throw new DmaError(`${who}: DMA of ${length} bytes at ${String(gpa)} is outside 0..0xFFFFFFFF`)
  }
}

/** Builds the DMA view for one device (`who` names it in errors). */
export function createDmaView(memory: GuestMemory, who: string): DmaView {
  const scratch = new Uint8Array(4)
  const scratchView = new DataView(scratch.buffer)
  const readN = (gpa: number, n: 1 | 2 | 4): number => {
    check(gpa, n, who)
    const target = scratch.subarray(0, n)
    memory.dmaRead(gpa, target)
    return n === 1 ? scratch[0]! : n === 2 ? scratchView.getUint16(0, true) : scratchView.getUint32(0, true)
  }
  const writeN = (gpa: number, value: number, n: 1 | 2 | 4): void => {
    check(gpa, n, who)
    scratchView.setUint32(0, value >>> 0, true)
    memory.dmaWrite(gpa, scratch.slice(0, n))
  }
  return {
    get ramBytes() {
      return memory.ramBytes
    },
    read(gpa, target) {
      check(gpa, target.length, who)
      memory.dmaRead(gpa, target)
    },
    write(gpa, source) {
      check(gpa, source.length, who)
      memory.dmaWrite(gpa, source)
    },
    readU8: (gpa) => readN(gpa, 1),
    readU16: (gpa) => readN(gpa, 2),
    readU32: (gpa) => readN(gpa, 4),
    writeU8: (gpa, value) => writeN(gpa, value & 0xff, 1),
    writeU16: (gpa, value) => writeN(gpa, value & 0xffff, 2),
    writeU32: (gpa, value) => writeN(gpa, value, 4),
  }
}
