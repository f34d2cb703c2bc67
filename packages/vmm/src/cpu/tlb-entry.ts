// TLB entry layout shared by the paging walk and the CPU's fast paths: the physical page base with flag bits in
// the low 12 bits (as v86 and JSLinux do). Data accesses take the RAM fast path when VALID and RAM are set;
// instruction fetches (run-loop.ts, Cpu.fetch8) when VALID and CODE are set, so an execute-disable page (PAE
// XD, Intel SDM vol. 3A 4.6) keeps its data fast path while every fetch from it walks and faults.

/** The entry holds a translation. */
export const TLB_VALID = 1
/** The page is plain RAM and executable: instruction fetches may be served straight from guest RAM. */
export const TLB_CODE = 2
/** The translation came from a global page (survives CR3 reloads). */
export const TLB_GLOBAL = 4
/** The page is plain RAM (no MMIO/ROM, no data breakpoint): data accesses may use the RAM fast path. */
export const TLB_RAM = 8
/** The page is execute-disable: instruction fetches must walk (and fault) even when the entry is valid. */
export const TLB_NX = 16
/**
 * Write entries only: the physical page's dirty bit is already set, so a store needs not set it again (compiled
 * code's inline stores test TLB_STORE_FAST). Set when the entry is filled or by the first fast write; dropped from
 * every entry (a TLB flush) when dirty bits are collected (PhysicalMemory.onDirtyCollected).
 */
export const TLB_DIRTY = 32
/** VALID | RAM: the data fast-path test is `(entry & TLB_DATA_FAST) === TLB_DATA_FAST`. */
export const TLB_DATA_FAST = TLB_VALID | TLB_RAM
/** VALID | RAM | DIRTY: a store to plain RAM whose page is already marked dirty. */
export const TLB_STORE_FAST = TLB_VALID | TLB_RAM | TLB_DIRTY
/** VALID | CODE: the fetch fast-path test (run-loop.ts writes it as `(e & 3) === 3`). */
export const TLB_FETCH_FAST = TLB_VALID | TLB_CODE
/** Entries per TLB array (one per 4 KB linear page). */
export const TLB_PAGES = 1 << 20
/** Filled entries remembered for a cheap flush; beyond this a flush clears the whole arrays. */
export const FILLED_MAX = 1 << 16
