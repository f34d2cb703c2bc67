// Guest RAM and the CPU's lookup tables in one WebAssembly memory (the "arena"), so that code the CPU's wasm tier
// generates (cpu/wasm/) reads guest memory through the TLB with plain loads, as compiled JavaScript does through
// typed arrays. RAM starts at offset 0, so a TLB entry's physical page base is also the host offset; the tables
// follow RAM: four TLB arrays (supervisor/user × read/write, one int32 per linear 4 KB page), the per-page
// "holds decoded code" bytes and a small block of CPU state that wasm code and JavaScript share.
import { hostWasm, type WasmMemory } from '../cpu/wasm/wasm-api'

/** Bytes of one TLB array (one int32 per 4 KB page of the 32-bit linear space). */
export const TLB_ARRAY_BYTES = (1 << 20) * 4
/** Bytes of the decoded-code page map (one byte per 4 KB physical page). */
export const CODE_PAGE_BYTES = 1 << 20
/** Bytes of the shared CPU state block (int32 slots: `STATE`). */
export const STATE_BYTES = 4096
/** Bytes the CPU's tables take after RAM. */
export const ARENA_TABLE_BYTES = 4 * TLB_ARRAY_BYTES + CODE_PAGE_BYTES + STATE_BYTES

/** Int32 slots of the state block: general registers, then the lazy-flag state and what a wasm call leaves. */
export const STATE = {
  /** EAX…EDI (the CPU's `regs` array is this view). */
  regs: 0,
  lzOp: 8,
  lzShift: 9,
  lzA: 10,
  lzB: 11,
  lzRes: 12,
  lzMask: 13,
  flags: 14,
  /** EIP after a wasm region returned. */
  eip: 15,
  /** After an access method faulted in a region: instructions retired in the region call before the faulting one… */
  faultDone: 16,
  /** …and that instruction's EIP. */
  faultEip: 17,
  /** FS and GS bases for the call (segments 4 and 5). */
  fsBase: 18,
  gsBase: 19,
  /** Set by the access methods a wasm region calls: bit 0 they stopped the chunk (`Cpu.breakChunk`), bit 1 they faulted. */
  status: 20,
} as const

/** Where the tables are in the arena's buffer. */
export type ArenaLayout = {
  readonly memory: WasmMemory
  readonly tlbRS: number
  readonly tlbWS: number
  readonly tlbRU: number
  readonly tlbWU: number
  readonly codePage: number
  readonly state: number
}

/** 64 KiB WebAssembly pages in the 32-bit address space. */
const MAX_PAGES = 0x10000

/**
 * A WebAssembly memory holding `ramBytes` of RAM and the tables, or null where the host has no WebAssembly or
 * the whole does not fit in 4 GiB (the CPU then keeps its tables in ordinary typed arrays and has no wasm tier).
 */
export function createArena(ramBytes: number, shared: boolean): ArenaLayout | null {
  const tables = Math.ceil(ramBytes / 65536) * 65536
  const pages = (tables + ARENA_TABLE_BYTES + 65535) >>> 16
  if (hostWasm === undefined || pages > MAX_PAGES) return null
  let memory: WasmMemory
  try {
    memory = new hostWasm.Memory({ initial: pages, maximum: pages, shared })
  } catch {
    // Hosts without shared wasm memory, or without the address space for it.
    return null
  }
  return {
    memory,
    tlbRS: tables,
    tlbWS: tables + TLB_ARRAY_BYTES,
    tlbRU: tables + 2 * TLB_ARRAY_BYTES,
    tlbWU: tables + 3 * TLB_ARRAY_BYTES,
    codePage: tables + 4 * TLB_ARRAY_BYTES,
    state: tables + 4 * TLB_ARRAY_BYTES + CODE_PAGE_BYTES,
  }
}
