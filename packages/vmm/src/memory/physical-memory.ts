// Guest physical memory (VirtualBox PGM): RAM in one buffer, ROM and MMIO regions, the A20 gate, dirty pages
// and bounds-checked DMA. Implements the `GuestMemory` contract and the physical fast paths the CPU uses.
import type { AccessSize } from '../io/io-bus'
import type { GuestMemory, MemoryMapping, MmioHandlers } from './guest-memory'
import { type ArenaLayout, createArena } from './wasm-arena'

/** 4 KB pages over the 32-bit physical address space. */
const PAGE_SHIFT = 12
const PAGE_COUNT = 1 << 20
/** RAM is mapped from 0 up to the PCI hole; anything above that must go through MMIO (and remapping later). */
export const MAX_RAM_BYTES = 0xe000_0000

/** Bad configuration or API misuse of guest memory (never raised for guest-chosen addresses). */
export class GuestMemoryError extends Error {
  readonly code: 'invalid-size' | 'invalid-range' | 'overlap'
  constructor(code: GuestMemoryError['code'], message: string) {
    super(message)
    this.name = 'GuestMemoryError'
    this.code = code
  }
}

/** Options of {@link PhysicalMemory}. */
export interface PhysicalMemoryOptions {
  /** RAM size in bytes, a multiple of 4 KB, at most {@link MAX_RAM_BYTES}. */
  readonly ramBytes: number
  /** Back RAM with a SharedArrayBuffer (so a main thread can read it while a worker runs the guest). */
  readonly shared?: boolean
}

/** One ROM or MMIO region. `rom` is set for ROM, `mmio` for MMIO. */
interface Region {
  readonly start: number
  readonly end: number // exclusive, may be 2^32
  readonly description: string
  readonly rom: Uint8Array | null
  readonly mmio: MmioHandlers | null
}

/**
 * Guest physical memory. The CPU reads `ram`/`ramView` directly when `pageIsPlainRam` says so. Fields the
 * constructor assigns are `declare`d, stored once, so that V8 treats them as constants (cpu/cpu.ts, class Cpu).
 */
export class PhysicalMemory implements GuestMemory {
  declare readonly ramBytes: number
  declare readonly ram: Uint8Array
  /** Little-endian view of RAM for unaligned 16/32-bit accesses. */
  declare readonly ramView: DataView
  /**
   * RAM and the CPU's tables in one WebAssembly memory (wasm-arena.ts), or null where the host cannot make one:
   * RAM is then an ordinary (Shared)ArrayBuffer of its own.
   */
  declare readonly arena: ArenaLayout | null
  /** Bit 20 cleared while the A20 gate is disabled; the CPU ANDs every physical address with it. */
  a20Mask = -1
  /** Per 4 KB page: region index + 1 of a ROM/MMIO region touching the page, else 0 (RAM or unassigned). */
  private readonly pageRegion = new Uint16Array(PAGE_COUNT)
  /**
   * Per 4 KB page: 1 when the whole page is RAM with no ROM/MMIO on it (what `pageIsPlainRam` answers), kept as
   * bytes so the CPU's page walks and TLB fills test it with one load. Read-only for users of this class.
   */
  readonly plainRam = new Uint8Array(PAGE_COUNT)
  private readonly regions: (Region | null)[] = []
  /**
   * One bit per 4 KB page written since the last `collectDirtyPages`. Clear bits only through that method: the
   * CPU's write TLB remembers pages whose bit is set (TLB_DIRTY) and is told when they are collected.
   */
  readonly dirty = new Int32Array(PAGE_COUNT >>> 5)
  /** Called when the memory map or A20 changes: translation caches must be flushed. */
  private readonly mapListeners: (() => void)[] = []
  /** Called with (gpa, length) when something other than the CPU writes RAM (DMA): decoded code must go. */
  private readonly writeListeners: ((gpa: number, length: number) => void)[] = []
  private readonly dirtyListeners: (() => void)[] = []

  constructor(options: PhysicalMemoryOptions) {
    const { ramBytes } = options
    if (!Number.isInteger(ramBytes) || ramBytes < 0 || ramBytes > MAX_RAM_BYTES || ramBytes % 4096 !== 0) {
      throw new GuestMemoryError('invalid-size', `RAM size ${ramBytes} is not a multiple of 4 KB below 3.5 GB`)
    }
    this.ramBytes = ramBytes
    const shared = options.shared === true
    this.arena = createArena(ramBytes, shared)
    const buffer = this.arena?.memory.buffer ?? (shared ? new SharedArrayBuffer(ramBytes) : new ArrayBuffer(ramBytes))
    this.ram = new Uint8Array(buffer, 0, ramBytes)
    this.ramView = new DataView(buffer, 0, ramBytes)
    this.plainRam.fill(1, 0, ramBytes >>> PAGE_SHIFT)
  }

  get a20Enabled(): boolean {
    return this.a20Mask === -1
  }

  setA20(enabled: boolean): void {
    const mask = enabled ? -1 : ~(1 << 20)
    if (mask === this.a20Mask) return
    this.a20Mask = mask
    this.notifyMapChange()
  }

  /** Registers a callback for memory-map and A20 changes (the CPU flushes its TLB). */
  onMapChange(listener: () => void): void {
    this.mapListeners.push(listener)
  }

  /** Registers a callback for RAM writes that bypass the CPU (DMA), for decoded-code invalidation. */
  onExternalWrite(listener: (gpa: number, length: number) => void): void {
    this.writeListeners.push(listener)
  }

  /** Calls `listener` after `collectDirtyPages` cleared dirty bits (the CPU's TLB caches them). */
  onDirtyCollected(listener: () => void): void {
    this.dirtyListeners.push(listener)
  }

  mapMmio(gpa: number, sizeBytes: number, handlers: MmioHandlers, description: string): MemoryMapping {
    return this.addRegion(gpa, sizeBytes, description, null, handlers)
  }

  mapRom(gpa: number, image: Uint8Array, description: string): MemoryMapping {
    return this.addRegion(gpa, image.length, description, image.slice(), null)
  }

  private addRegion(
    gpa: number,
    sizeBytes: number,
    description: string,
    rom: Uint8Array | null,
    mmio: MmioHandlers | null,
  ): MemoryMapping {
    if (!Number.isInteger(gpa) || !Number.isInteger(sizeBytes) || gpa < 0 || sizeBytes <= 0) {
      throw new GuestMemoryError('invalid-range', `${description}: invalid range ${gpa}+${sizeBytes}`)
    }
    const end = gpa + sizeBytes
    if (end > 2 ** 32) throw new GuestMemoryError('invalid-range', `${description}: range ends above 4 GB`)
    for (const r of this.regions) {
      if (r !== null && gpa < r.end && r.start < end) {
        throw new GuestMemoryError('overlap', `${description} overlaps ${r.description}`)
      }
    }
    let index = this.regions.indexOf(null)
    if (index < 0) index = this.regions.length
    if (index >= 0xffff) throw new GuestMemoryError('invalid-range', 'too many memory regions')
    const region: Region = { start: gpa, end, description, rom, mmio }
    this.regions[index] = region
    for (let p = gpa >>> PAGE_SHIFT; p <= (end - 1) >>> PAGE_SHIFT; p++) {
      this.pageRegion[p] = index + 1
      this.plainRam[p] = 0
    }
    this.notifyMapChange()
    let mapped = true
    return {
      description,
      gpa,
      sizeBytes,
      unmap: () => {
        if (!mapped) return
        mapped = false
        this.regions[index] = null
        for (let p = gpa >>> PAGE_SHIFT; p <= (end - 1) >>> PAGE_SHIFT; p++) {
          this.pageRegion[p] = 0
          // A neighbouring region may share a boundary page.
          this.regions.forEach((r, i) => {
            if (r !== null && r.start >>> PAGE_SHIFT <= p && (r.end - 1) >>> PAGE_SHIFT >= p) this.pageRegion[p] = i + 1
          })
          this.plainRam[p] = this.pageRegion[p] === 0 && p < this.ramBytes >>> PAGE_SHIFT ? 1 : 0
        }
        this.notifyMapChange()
      },
    }
  }

  private notifyMapChange(): void {
    for (const l of this.mapListeners) l()
  }

  /** True when the whole 4 KB page at physical page number `page` is RAM with no ROM/MMIO on it. */
  pageIsPlainRam(page: number): boolean {
    return this.plainRam[page] === 1
  }

  /** The region containing `gpa` (unsigned), or null. */
  private regionAt(gpa: number): Region | null {
    const hint = this.pageRegion[gpa >>> PAGE_SHIFT] ?? 0
    if (hint === 0) return null
    const r = this.regions[hint - 1]
    if (r && gpa >= r.start && gpa < r.end) return r
    for (const q of this.regions) if (q !== null && gpa >= q.start && gpa < q.end) return q
    return null
  }

  // ---- CPU physical accesses (after paging; `gpa` is masked by A20 here) ----
  // PAE page tables can point above 4 GB (MAXPHYADDR 36); nothing is mapped there: reads return all ones
  // and writes are dropped.

  /** Reads one byte at a guest-physical address: RAM, ROM, MMIO, or 0xFF for unassigned space. */
  read8(gpa: number): number {
    if (gpa > 0xffffffff) return 0xff
    const a = (gpa & this.a20Mask) >>> 0
    const hint = this.pageRegion[a >>> PAGE_SHIFT]
    if (hint === 0 && a < this.ramBytes) return this.ram[a]!
    return this.slowRead(a, 1)
  }

  read16(gpa: number): number {
    if (gpa > 0xffffffff) return 0xffff
    const a = (gpa & this.a20Mask) >>> 0
    if ((a & 0xfff) <= 0xffe && this.pageRegion[a >>> PAGE_SHIFT] === 0 && a + 1 < this.ramBytes) {
      return this.ramView.getUint16(a, true)
    }
    if ((a & 0xfff) <= 0xffe) {
      const r = this.regionAt(a)
      if (r !== null && r.mmio !== null && a + 1 < r.end) return r.mmio.read(a - r.start, 2) & 0xffff
    }
    return this.read8(a) | (this.read8(a + 1) << 8)
  }

  read32(gpa: number): number {
    if (gpa > 0xffffffff) return -1
    const a = (gpa & this.a20Mask) >>> 0
    if ((a & 0xfff) <= 0xffc && this.pageRegion[a >>> PAGE_SHIFT] === 0 && a + 3 < this.ramBytes) {
      return this.ramView.getInt32(a, true)
    }
    if ((a & 0xfff) <= 0xffc) {
      const r = this.regionAt(a)
      if (r !== null && r.mmio !== null && a + 3 < r.end) return r.mmio.read(a - r.start, 4) | 0
    }
    return this.read16(a) | (this.read16(a + 2) << 16)
  }

  write8(gpa: number, v: number): void {
    if (gpa > 0xffffffff) return
    const a = (gpa & this.a20Mask) >>> 0
    if (this.pageRegion[a >>> PAGE_SHIFT] === 0 && a < this.ramBytes) {
      this.ram[a] = v
      this.dirty[a >>> 17]! |= 1 << ((a >>> PAGE_SHIFT) & 31)
      return
    }
    this.slowWrite(a, v & 0xff, 1)
  }

  write16(gpa: number, v: number): void {
    if (gpa > 0xffffffff) return
    const a = (gpa & this.a20Mask) >>> 0
    if ((a & 0xfff) <= 0xffe && this.pageRegion[a >>> PAGE_SHIFT] === 0 && a + 1 < this.ramBytes) {
      this.ramView.setUint16(a, v, true)
      this.dirty[a >>> 17]! |= 1 << ((a >>> PAGE_SHIFT) & 31)
      return
    }
    if ((a & 0xfff) <= 0xffe) {
      const r = this.regionAt(a)
      if (r !== null && r.mmio !== null && a + 1 < r.end) return r.mmio.write(a - r.start, v & 0xffff, 2)
    }
    this.write8(a, v)
    this.write8(a + 1, v >>> 8)
  }

  write32(gpa: number, v: number): void {
    if (gpa > 0xffffffff) return
    const a = (gpa & this.a20Mask) >>> 0
    if ((a & 0xfff) <= 0xffc && this.pageRegion[a >>> PAGE_SHIFT] === 0 && a + 3 < this.ramBytes) {
      this.ramView.setInt32(a, v, true)
      this.dirty[a >>> 17]! |= 1 << ((a >>> PAGE_SHIFT) & 31)
      return
    }
    if ((a & 0xfff) <= 0xffc) {
      const r = this.regionAt(a)
      if (r !== null && r.mmio !== null && a + 3 < r.end) return r.mmio.write(a - r.start, v >>> 0, 4)
    }
    this.write16(a, v)
    this.write16(a + 2, v >>> 16)
  }

  private slowRead(a: number, size: AccessSize): number {
    const r = this.regionAt(a)
    if (r === null) return a < this.ramBytes ? this.ram[a]! : 0xff
    if (r.rom !== null) return r.rom[a - r.start]!
    return r.mmio!.read(a - r.start, size) & 0xff
  }

  private slowWrite(a: number, v: number, size: AccessSize): void {
    const r = this.regionAt(a)
    if (r === null) {
      if (a < this.ramBytes) {
        this.ram[a] = v
        this.dirty[a >>> 17]! |= 1 << ((a >>> PAGE_SHIFT) & 31)
      }
      return // unassigned: dropped
    }
    if (r.mmio !== null) r.mmio.write(a - r.start, v, size)
    // ROM: dropped
  }

  // ---- DMA (bus masters; no A20, no MMIO) ----

  dmaRead(gpa: number, target: Uint8Array): void {
    const start = Math.max(0, Math.trunc(gpa))
    for (let i = 0; i < target.length;) {
      const a = start + i
      if (a >= 2 ** 32 || !Number.isFinite(a)) {
        target.fill(0xff, i)
        return
      }
      const r = this.regionAt(a)
      if (r !== null) {
        target[i++] = r.rom !== null ? r.rom[a - r.start]! : 0xff
      } else if (a < this.ramBytes) {
        // Copy up to the next page that has a region on it, or the end of RAM.
        let end = Math.min(this.ramBytes, start + target.length)
        const nextPage = (Math.floor(a / 4096) + 1) * 4096
        if (end > nextPage) end = nextPage
        target.set(this.ram.subarray(a, end), i)
        i += end - a
      } else {
        target[i++] = 0xff
      }
    }
  }

  dmaWrite(gpa: number, source: Uint8Array): void {
    const start = Math.trunc(gpa)
    if (!Number.isFinite(start)) return
    const from = Math.max(0, start)
    const to = Math.min(this.ramBytes, start + source.length)
    for (let a = from; a < to;) {
      const page = Math.floor(a / 4096)
      const pageEnd = Math.min(to, (page + 1) * 4096)
      if (this.pageRegion[page] === 0) {
        this.ram.set(source.subarray(a - start, pageEnd - start), a)
      } else {
        for (let b = a; b < pageEnd; b++) if (this.regionAt(b) === null) this.ram[b] = source[b - start]!
      }
      this.dirty[page >>> 5]! |= 1 << (page & 31)
      a = pageEnd
    }
    if (to > from) for (const l of this.writeListeners) l(from, to - from)
  }

  collectDirtyPages(gpa: number, sizeBytes: number, onDirtyPage: (pageGpa: number) => void): void {
    const first = Math.max(0, Math.floor(gpa / 4096))
    const last = Math.min(PAGE_COUNT - 1, Math.floor((gpa + sizeBytes - 1) / 4096))
    let cleared = false
    for (let p = first; p <= last; p++) {
      const bit = 1 << (p & 31)
      if ((this.dirty[p >>> 5]! & bit) !== 0) {
        this.dirty[p >>> 5]! &= ~bit
        cleared = true
        onDirtyPage(p * 4096)
      }
    }
    if (cleared) for (const l of this.dirtyListeners) l()
  }
}
