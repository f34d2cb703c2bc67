// Paging and the TLB (Intel SDM vol. 3A 4.3 32-bit paging, 4.4 PAE paging, 4.6 access rights, 4.7 page-fault
// error codes, 4.8 accessed/dirty flags, 4.10 TLBs): walks with 4 KB, 4 MB (PSE, PSE-36) and 2 MB (PAE) pages,
// the four PAE PDPTE registers, execute-disable (EFER.NXE), reserved-bit faults, user/supervisor and CR0.WP
// checks, global pages, and the four direct-mapped TLB arrays (read/write × supervisor/user) indexed by linear
// page number.
import type { Cpu } from './cpu'
import * as constants from './constants'
import { pageWatched } from './debug-registers'
import * as tlbEntry from './tlb-entry'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, EFER_NXE, PF_VECTOR } = constants
const { FILLED_MAX, TLB_CODE, TLB_DIRTY, TLB_GLOBAL, TLB_NX, TLB_PAGES, TLB_RAM, TLB_VALID } = tlbEntry

/** Kinds of access a translation is for (the page-fault error code and the execute-disable check differ). */
export const ACCESS_READ = 0
export const ACCESS_WRITE = 1
export const ACCESS_FETCH = 2
export type AccessKind = typeof ACCESS_READ | typeof ACCESS_WRITE | typeof ACCESS_FETCH

/** Page-fault error-code bits (SDM vol. 3A 4.7). */
const PFE_P = 1
const PFE_W = 2
const PFE_U = 4
const PFE_RSVD = 8
const PFE_ID = 16

/** 2^32, for physical addresses above 4 GB (PAE entries carry bits 35:32). */
const TWO_32 = 4294967296
/** MAXPHYADDR 36 (as CPUs with PAE and no CPUID leaf 0x80000008): bits 63:36 of an entry are reserved. */
const HIGH_RESERVED = 0xfffffff0 | 0
/** High dword of a PAE entry with NXE set: bit 63 is XD, bits 62:36 reserved. */
const HIGH_RESERVED_NXE = 0x7ffffff0
/** Reserved bits of a present PDPTE's low dword (bits 2:1 and 8:5; SDM vol. 3A table 4-8). */
const PDPTE_RESERVED_LO = 0x1e6
/** Reserved bits of a PAE 2 MB page's PDE low dword (bits 20:13). */
const PDE2M_RESERVED_LO = 0x1fe000
/** Reserved bits of a 32-bit paging 4 MB page's PDE under PSE-36 with MAXPHYADDR 36 (bits 21:17). */
const PDE4M_RESERVED = 0x3e0000

/** Bit of a `filled` record saying the page was filled in the user arrays (else the supervisor ones). */
const FILLED_USER = 1 << 20

/**
 * Flushes the TLB; `all` also drops global pages. Only what was filled since the last flush is touched: a dense
 * run of pages (a process's working set) is cleared as a range, scattered entries one by one. Global entries are
 * listed apart, so CR3 loads never look at them.
 */
export function flushTlb(c: Cpu, all: boolean): void {
  // Jump-cache entries that name only global pages stay right through a flush that keeps global pages.
  forgetFetchPage(c, all || c.blocks.epochLocal)
  const n = c.filledCount
  if (
    c.filledOverflow ||
    (c.filledHiS - c.filledLoS < RANGE_CLEAR_FACTOR * n && c.filledHiU - c.filledLoU < RANGE_CLEAR_FACTOR * n)
  ) {
    // A dense run, or too many entries to list: clear the ranges (a global entry inside one is dropped too,
    // which a TLB may always do).
    clearFilledRanges(c)
  } else {
    clearListed(c, c.filled, n)
    resetFilled(c)
  }
  if (all) clearGlobals(c)
}

/** Clears the entries of the first `n` fill records in `list` (read and write arrays of their privilege). */
function clearListed(c: Cpu, list: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const f = list[i]!
    const p = f & 0xfffff
    if (f >= FILLED_USER) {
      c.tlbRU[p] = 0
      c.tlbWU[p] = 0
    } else {
      c.tlbRS[p] = 0
      c.tlbWS[p] = 0
    }
  }
}

/** A flush clears a range of pages instead of listed entries when the range is at most this many times longer. */
const RANGE_CLEAR_FACTOR = 16

/** Clears the ranges of (non-global) pages filled since the last flush in all four arrays, and forgets them. */
function clearFilledRanges(c: Cpu): void {
  if (c.filledHiS >= 0) {
    c.tlbRS.fill(0, c.filledLoS, c.filledHiS + 1)
    c.tlbWS.fill(0, c.filledLoS, c.filledHiS + 1)
  }
  if (c.filledHiU >= 0) {
    c.tlbRU.fill(0, c.filledLoU, c.filledHiU + 1)
    c.tlbWU.fill(0, c.filledLoU, c.filledHiU + 1)
  }
  resetFilled(c)
}

function resetFilled(c: Cpu): void {
  c.filledCount = 0
  c.filledOverflow = false
  c.filledLoS = TLB_PAGES
  c.filledHiS = -1
  c.filledLoU = TLB_PAGES
  c.filledHiU = -1
}

/** Drops every global entry (MOV CR0/CR4 flushes, INVLPG aside). */
function clearGlobals(c: Cpu): void {
  if (c.filledGlobalOverflow) {
    c.tlbRS.fill(0)
    c.tlbWS.fill(0)
    c.tlbRU.fill(0)
    c.tlbWU.fill(0)
    resetFilled(c)
  } else {
    clearListed(c, c.filledGlobals, c.filledGlobalCount)
  }
  c.filledGlobalCount = 0
  c.filledGlobalOverflow = false
}

/** Records a filled TLB entry for the next flush. */
function noteFilled(c: Cpu, page: number, user: boolean, global: boolean): void {
  const record = user ? page | FILLED_USER : page
  if (global) {
    if (c.filledGlobalCount < FILLED_MAX) c.filledGlobals[c.filledGlobalCount++] = record
    else c.filledGlobalOverflow = true
    return
  }
  if (c.filledCount < FILLED_MAX) c.filled[c.filledCount++] = record
  else c.filledOverflow = true
  noteFilledRange(c, page, page, user)
}

/** INVLPG: drops one page (even a global one). */
export function invalidatePage(c: Cpu, linear: number): void {
  const p = linear >>> 12
  c.tlbRS[p] = 0
  c.tlbWS[p] = 0
  c.tlbRU[p] = 0
  c.tlbWU[p] = 0
  // The jump cache keeps its epoch unless it may name a block of this page (run-chunk.ts).
  forgetFetchPage(c, c.blocks.mayNameLinearPage(p))
}

/**
 * After TLB entries were dropped: forgets the cached fetch page, and ends the jump cache's epoch too when `named`
 * (it may name blocks through the dropped translations; Cpu.dropFetchPage).
 */
function forgetFetchPage(c: Cpu, named: boolean): void {
  if (named) c.dropFetchPage()
  else c.fetchTag = -1
}

/**
 * Loads the four PAE page-directory-pointer-table entries from CR3 (SDM vol. 3A 4.4.1): on MOV CR3 in PAE mode,
 * when MOV CR0/CR4 enables PAE paging or changes PG/CD/NW/PAE/PGE/PSE under it, and on task switches. A present
 * entry with a reserved bit set raises #GP(0) and leaves the registers unchanged.
 */
export function loadPdptes(c: Cpu, cr3: number): void {
  const base = (cr3 & ~0x1f) >>> 0
  const loaded = c.pdpteScratch
  for (let i = 0; i < 4; i++) {
    const lo = readEntry(c, base + i * 8, 0)
    const hi = readEntry(c, base + i * 8 + 4, 0)
    if ((lo & 1) !== 0 && ((lo & PDPTE_RESERVED_LO) !== 0 || (hi & HIGH_RESERVED) !== 0)) c.gp(0)
    loaded[i * 2] = lo
    loaded[i * 2 + 1] = hi
  }
  c.pdpte.set(loaded)
}

/**
 * Translates a linear address for an access of `kind` by `user` (CPL 3, or a supervisor access when false),
 * walking the page tables and setting A/D bits; fills the TLB. Returns the physical address (A20 applied,
 * unsigned; at or above 2^32 for PAE pages beyond 4 GB, which are never cached and read as unassigned space).
 */
export function translate(c: Cpu, linear: number, kind: AccessKind, user: boolean): number {
  if ((c.cr0 & CR0_PG) === 0) return fill(c, linear, linear & ~0xfff, 0, true, false, false, user)
  return (c.cr4 & CR4_PAE) !== 0 ? walkPae(c, linear, kind, user) : walkLegacy(c, linear, kind, user)
}

/** 32-bit paging (SDM vol. 3A 4.3): page directory → page table, or a 4 MB page when CR4.PSE and PDE.PS. */
function walkLegacy(c: Cpu, linear: number, kind: AccessKind, user: boolean): number {
  const a20 = c.memory.a20Mask
  const plain = c.plainRam
  const write = kind === ACCESS_WRITE
  const pdeAddr = (((c.cr3 & ~0xfff) | ((linear >>> 20) & 0xffc)) & a20) >>> 0
  const pde = plain[pdeAddr >>> 12] === 1 ? c.ram32[pdeAddr >>> 2]! : c.memory.read32(pdeAddr)
  if ((pde & 1) === 0) pageFault(c, linear, 0, kind, user)
  if ((pde & 0x80) !== 0 && (c.cr4 & CR4_PSE) !== 0) {
    // PSE-36 (SDM vol. 3A 4.3, table 4-4): bits 16:13 of a 4 MB PDE are physical address bits 35:32 (frames
    // beyond 4 GB hold nothing: reads give all ones, writes vanish); bits 21:17 are reserved (MAXPHYADDR 36).
    if ((pde & PDE4M_RESERVED) !== 0) pageFault(c, linear, PFE_P | PFE_RSVD, kind, user)
    checkRights(c, linear, pde, false, kind, user)
    const upd = pde | 0x20 | (write ? 0x40 : 0)
    if (upd !== pde) writeEntry(c, pdeAddr, upd)
    const global = (pde & 0x100) !== 0 && (c.cr4 & CR4_PGE) !== 0
    const lo = (pde & 0xffc00000) | (linear & 0x3ff000)
    return fill(c, linear, lo, (pde >>> 13) & 0xf, writeOk(c, upd, user), global, false, user)
  }
  // The directory entry is accessed as soon as the walk uses it, before the table entry is checked.
  if ((pde & 0x20) === 0) writeEntry(c, pdeAddr, pde | 0x20)
  const pteAddr = (((pde & ~0xfff) | ((linear >>> 10) & 0xffc)) & a20) >>> 0
  const pte = plain[pteAddr >>> 12] === 1 ? c.ram32[pteAddr >>> 2]! : c.memory.read32(pteAddr)
  if ((pte & 1) === 0) pageFault(c, linear, 0, kind, user)
  const rights = pde & pte
  // Fast check of the usual case (user/write permitted by both levels) before the full rules.
  if ((rights & 6) !== 6) checkRights(c, linear, rights, false, kind, user)
  const upd = pte | 0x20 | (write ? 0x40 : 0)
  if (upd !== pte) writeEntry(c, pteAddr, upd)
  const global = (pte & 0x100) !== 0 && (c.cr4 & CR4_PGE) !== 0
  const address = fill(
    c,
    linear,
    pte & ~0xfff,
    0,
    writeOk(c, (rights & ~0x40) | (upd & 0x40), user),
    global,
    false,
    user,
  )
  if (!c.watchData && plain[pteAddr >>> 12] === 1) prefetch(c, linear, pde, 0, pteAddr, user, false)
  return address
}

/** Following pages whose translations a 4 KB walk also caches (from the same page table). */
const PREFETCH_PAGES = 7

/**
 * Caches the translations of the next pages after a 4 KB walk, from PTEs in the same page table that are present
 * and already accessed (so no A/D bit needs writing), as a TLB may cache translations it was not asked for (SDM
 * vol. 3A 4.10.2.3: prefetches and speculative accesses); software changing a present PTE must invalidate it
 * anyway. Sequential walks through memory then miss once per several pages. Entries are checked like a walk's
 * (U/S for user accesses, writes only with D set and permitted, PAE entries with reserved bits or above 4 GB
 * skipped, XD honoured). `pdeHi`/`nxe` matter for PAE (8-byte entries) only.
 */
function prefetch(
  c: Cpu,
  linear: number,
  pde: number,
  pdeHi: number,
  pteAddr: number,
  user: boolean,
  pae: boolean,
): void {
  const plain = c.plainRam
  const ram32 = c.ram32
  const a20 = c.memory.a20Mask
  const r = user ? c.tlbRU : c.tlbRS
  const w = user ? c.tlbWU : c.tlbWS
  const pge = (c.cr4 & CR4_PGE) !== 0
  const wp = (c.cr0 & CR0_WP) !== 0
  const nxe = pae && (c.efer & EFER_NXE) !== 0
  const highReserved = nxe ? HIGH_RESERVED_NXE : HIGH_RESERVED
  const step = pae ? 8 : 4
  const filled = c.filled
  const tag = user ? FILLED_USER : 0
  let count = c.filledCount
  let first = -1
  let last = -1
  let page = linear >>> 12
  let a = pteAddr
  for (let k = 0; k < PREFETCH_PAGES; k++) {
    a += step
    page = (page + 1) & 0xfffff
    if ((a & 0xfff) === 0) break // the end of this page table
    if (r[page] !== 0) continue
    const pte = ram32[a >>> 2]!
    if ((pte & 0x21) !== 0x21) continue
    let nx = false
    if (pae) {
      const hi = ram32[(a >>> 2) + 1]!
      if ((hi & (highReserved | 0xf)) !== 0) continue
      nx = nxe && (pdeHi | hi) < 0
    }
    const rights = pde & pte
    if (user && (rights & 4) === 0) continue
    const physPage = (pte & ~0xfff & a20) >>> 0
    const ram = plain[physPage >>> 12] === 1
    const entry =
      physPage |
      TLB_VALID |
      (ram ? (nx ? TLB_RAM : TLB_RAM | TLB_CODE) : 0) |
      (nx ? TLB_NX : 0) |
      (pge && (pte & 0x100) !== 0 ? TLB_GLOBAL : 0)
    if ((entry & TLB_GLOBAL) !== 0) noteFilled(c, page, user, true)
    else {
      if (count < FILLED_MAX) filled[count++] = page | tag
      else c.filledOverflow = true
      if (first < 0) first = page
      last = page
    }
    r[page] = entry
    if ((pte & 0x40) !== 0 && ((rights & 2) !== 0 || (!user && !wp))) w[page] = entry
  }
  c.filledCount = count
  if (first >= 0) noteFilledRange(c, first, last, user)
}

/** Widens the filled range of a privilege to cover pages `first`..`last` (listed by the caller). */
function noteFilledRange(c: Cpu, first: number, last: number, user: boolean): void {
  if (user) {
    if (first < c.filledLoU) c.filledLoU = first
    if (last > c.filledHiU) c.filledHiU = last
  } else {
    if (first < c.filledLoS) c.filledLoS = first
    if (last > c.filledHiS) c.filledHiS = last
  }
}

/** PAE paging (SDM vol. 3A 4.4): PDPTE register → page directory → page table, or a 2 MB page when PDE.PS. */
function walkPae(c: Cpu, linear: number, kind: AccessKind, user: boolean): number {
  const write = kind === ACCESS_WRITE
  const nxe = (c.efer & EFER_NXE) !== 0
  const highReserved = nxe ? HIGH_RESERVED_NXE : HIGH_RESERVED
  const i = (linear >>> 30) << 1
  const pdpLo = c.pdpte[i]!
  if ((pdpLo & 1) === 0) pageFault(c, linear, 0, kind, user)
  const pdeHiAddr = c.pdpte[i + 1]! & 0xf
  const pdeAddr = ((pdpLo & ~0xfff) | ((linear >>> 18) & 0xff8)) >>> 0
  const pde = readEntry(c, pdeAddr, pdeHiAddr)
  if ((pde & 1) === 0) pageFault(c, linear, 0, kind, user)
  const pdeHi = readEntry(c, pdeAddr + 4, pdeHiAddr)
  if ((pdeHi & highReserved) !== 0) pageFault(c, linear, PFE_P | PFE_RSVD, kind, user)
  if ((pde & 0x80) !== 0) {
    if ((pde & PDE2M_RESERVED_LO) !== 0) pageFault(c, linear, PFE_P | PFE_RSVD, kind, user)
    const nx = nxe && pdeHi < 0
    checkRights(c, linear, pde, nx, kind, user)
    const upd = pde | 0x20 | (write ? 0x40 : 0)
    if (upd !== pde) writeEntry(c, pdeAddr, upd, pdeHiAddr)
    const global = (pde & 0x100) !== 0 && (c.cr4 & CR4_PGE) !== 0
    const lo = (pde & 0xffe00000) | (linear & 0x1ff000)
    return fill(c, linear, lo, pdeHi & 0xf, writeOk(c, upd, user), global, nx, user)
  }
  if ((pde & 0x20) === 0) writeEntry(c, pdeAddr, pde | 0x20, pdeHiAddr)
  const pteHiAddr = pdeHi & 0xf
  const pteAddr = ((pde & ~0xfff) | ((linear >>> 9) & 0xff8)) >>> 0
  const pte = readEntry(c, pteAddr, pteHiAddr)
  if ((pte & 1) === 0) pageFault(c, linear, 0, kind, user)
  const pteHi = readEntry(c, pteAddr + 4, pteHiAddr)
  if ((pteHi & highReserved) !== 0) pageFault(c, linear, PFE_P | PFE_RSVD, kind, user)
  const rights = pde & pte
  const nx = nxe && (pdeHi | pteHi) < 0
  checkRights(c, linear, rights, nx, kind, user)
  const upd = pte | 0x20 | (write ? 0x40 : 0)
  if (upd !== pte) writeEntry(c, pteAddr, upd, pteHiAddr)
  const global = (pte & 0x100) !== 0 && (c.cr4 & CR4_PGE) !== 0
  const dirtyWritable = writeOk(c, (rights & ~0x40) | (upd & 0x40), user)
  const address = fill(c, linear, pte & ~0xfff, pteHi & 0xf, dirtyWritable, global, nx, user)
  if (!c.watchData && pteHiAddr === 0 && c.plainRam[(pteAddr & c.memory.a20Mask) >>> 12] === 1) {
    prefetch(c, linear, pde, pdeHi, (pteAddr & c.memory.a20Mask) >>> 0, user, true)
  }
  return address
}

/**
 * Caches a translation of the page at `linear` to the physical page `hi`:`lo` and returns the physical address.
 * `dirtyWritable`: writes may hit the entry (permitted and the leaf's dirty bit already set).
 */
function fill(
  c: Cpu,
  linear: number,
  lo: number,
  hi: number,
  dirtyWritable: boolean,
  global: boolean,
  nx: boolean,
  user: boolean,
): number {
  const physPage = (lo & c.memory.a20Mask) >>> 0
  const address = (physPage | (linear & 0xfff)) >>> 0
  // Beyond 4 GB there is nothing (RAM and MMIO live below): not cached, so every access comes back here.
  if (hi !== 0) return hi * TWO_32 + address
  const page = linear >>> 12
  let entry = physPage | TLB_VALID | (global ? TLB_GLOBAL : 0) | (nx ? TLB_NX : 0)
  if (c.plainRam[physPage >>> 12] === 1 && !(c.watchData && pageWatched(c.dr, page))) {
    entry |= nx ? TLB_RAM : TLB_RAM | TLB_CODE
  }
  noteFilled(c, page, user, global)
  // A write entry of a RAM page whose dirty bit is set lets stores skip setting it (TLB_DIRTY).
  const frame = physPage >>> 12
  const dirty = (entry & TLB_RAM) !== 0 && (c.dirty[frame >>> 5]! & (1 << (frame & 31))) !== 0
  const writeEntry = dirty ? entry | TLB_DIRTY : entry
  if (user) {
    c.tlbRU[page] = entry
    if (dirtyWritable) c.tlbWU[page] = writeEntry
  } else {
    c.tlbRS[page] = entry
    if (dirtyWritable) c.tlbWS[page] = writeEntry
  }
  return address
}

/**
 * Reads the dword of a paging-structure entry at physical `hi`:`addr` (straight from RAM when the table lives in
 * plain RAM); above 4 GB nothing answers and the entry reads as all ones.
 */
function readEntry(c: Cpu, addr: number, hi: number): number {
  if (hi !== 0) return -1
  const a = (addr & c.memory.a20Mask) >>> 0
  if (c.plainRam[a >>> 12] === 1) return c.ram32[a >>> 2]!
  return c.memory.read32(a)
}

/** Writes back an entry's low dword with new accessed/dirty bits (decoded code on that page is invalidated). */
function writeEntry(c: Cpu, addr: number, v: number, hi = 0): void {
  if (hi !== 0) return
  const a = (addr & c.memory.a20Mask) >>> 0
  c.memory.write32(a, v)
  if (c.codePage[a >>> 12] !== 0 && c.blocks.noteWrite(a, 4)) c.breakChunk = true
}

/** Whether a write is permitted by the combined R/W and D bits for this privilege (CR0.WP for supervisor). */
function writeOk(c: Cpu, bits: number, user: boolean): boolean {
  if ((bits & 0x40) === 0) return false
  if ((bits & 2) !== 0) return true
  return !user && (c.cr0 & CR0_WP) === 0
}

/** Access rights (SDM vol. 3A 4.6): user access to supervisor pages, writes to read-only pages, XD fetches. */
function checkRights(c: Cpu, linear: number, bits: number, nx: boolean, kind: AccessKind, user: boolean): void {
  if (
    (user && (bits & 4) === 0) ||
    (kind === ACCESS_WRITE && (bits & 2) === 0 && (user || (c.cr0 & CR0_WP) !== 0)) ||
    (kind === ACCESS_FETCH && nx)
  ) {
    pageFault(c, linear, PFE_P, kind, user)
  }
}

/** #PF with CR2 = `linear`; `bits` holds P and RSVD, the access kind and privilege add W/R, U/S and I/D. */
function pageFault(c: Cpu, linear: number, bits: number, kind: AccessKind, user: boolean): never {
  c.cr2 = linear
  let code = bits | (kind === ACCESS_WRITE ? PFE_W : 0) | (user ? PFE_U : 0)
  // I/D is reported for fetches only where execute-disable exists: PAE paging with EFER.NXE (no SMEP here).
  if (kind === ACCESS_FETCH && (c.cr4 & CR4_PAE) !== 0 && (c.efer & EFER_NXE) !== 0) code |= PFE_ID
  return c.fault(PF_VECTOR, code)
}
