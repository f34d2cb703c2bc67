// TLB entry layout shared by the paging walk and the CPU's fast paths: the physical page base with flag bits in
// the low 12 bits (as v86 and JSLinux do); an entry with VALID and RAM set is served straight from guest RAM.

/** The entry holds a translation. */
export const TLB_VALID = 1
/** The page is plain RAM (no MMIO/ROM, no data breakpoint): accesses may use the RAM fast path. */
export const TLB_RAM = 2
/** The translation came from a global page (survives CR3 reloads). */
export const TLB_GLOBAL = 4
/** Entries per TLB array (one per 4 KB linear page). */
export const TLB_PAGES = 1 << 20
/** Filled entries remembered for a cheap flush; beyond this a flush clears the whole arrays. */
export const FILLED_MAX = 8192
