// Two-level paging and the TLB (Intel SDM vol. 3A 4.3, 4.10): page walks with 4 KB and 4 MB (PSE) pages,
// accessed/dirty bits, user/supervisor and CR0.WP checks, global pages (PGE), and the four direct-mapped TLB
// arrays (read/write × supervisor/user) the CPU's fast paths index by linear page number.
import type { Cpu } from './cpu'
import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE, PF_VECTOR } from './constants'
import { pageWatched } from './debug-registers'
import { FILLED_MAX, TLB_GLOBAL, TLB_RAM, TLB_VALID } from './tlb-entry'

/** Flushes the TLB; `all` also drops global pages. */
export function flushTlb(c: Cpu, all: boolean): void {
  c.fetchTag = -1
  if (c.filledOverflow) {
    c.tlbRS.fill(0)
    c.tlbWS.fill(0)
    c.tlbRU.fill(0)
    c.tlbWU.fill(0)
    c.filledOverflow = false
    c.filledCount = 0
    return
  }
  let keep = 0
  for (let i = 0; i < c.filledCount; i++) {
    const p = c.filled[i]!
    if (!all && ((c.tlbRS[p]! | c.tlbRU[p]! | c.tlbWS[p]! | c.tlbWU[p]!) & TLB_GLOBAL) !== 0) {
      c.filled[keep++] = p
      continue
    }
    c.tlbRS[p] = 0
    c.tlbWS[p] = 0
    c.tlbRU[p] = 0
    c.tlbWU[p] = 0
  }
  c.filledCount = keep
}

/** INVLPG: drops one page (even a global one). */
export function invalidatePage(c: Cpu, linear: number): void {
  const p = linear >>> 12
  c.tlbRS[p] = 0
  c.tlbWS[p] = 0
  c.tlbRU[p] = 0
  c.tlbWU[p] = 0
  c.fetchTag = -1
}

/**
 * Translates a linear address for an access by `user` (CPL 3, or a supervisor access when false), walking
 * the page tables and setting A/D bits; fills the TLB. Returns the physical address (A20 applied, unsigned).
 */
export function translate(c: Cpu, linear: number, write: boolean, user: boolean): number {
  const page = linear >>> 12
  let physPage: number
  let writable = true
  let global = false
  if ((c.cr0 & CR0_PG) === 0) {
    physPage = page << 12
  } else {
    const mem = c.memory
    const pdeAddr = (c.cr3 & ~0xfff) | ((linear >>> 20) & 0xffc)
    const pde = readTableEntry(c, pdeAddr)
    if ((pde & 1) === 0) pageFault(c, linear, 0, write, user)
    if ((pde & 0x80) !== 0 && (c.cr4 & CR4_PSE) !== 0) {
      checkPagePerms(c, linear, pde, write, user)
      const upd = pde | 0x20 | (write ? 0x40 : 0)
      if (upd !== pde) mem.write32(pdeAddr, upd)
      writable = (upd & 0x40) !== 0 && pagePermits(c, pde, user)
      global = (pde & 0x100) !== 0 && (c.cr4 & CR4_PGE) !== 0
      physPage = (pde & 0xffc00000) | (linear & 0x3ff000)
    } else {
      const pteAddr = (pde & ~0xfff) | ((linear >>> 10) & 0xffc)
      const pte = readTableEntry(c, pteAddr)
      if ((pte & 1) === 0) pageFault(c, linear, 0, write, user)
      const combined = pde & pte
      checkPagePerms(c, linear, combined, write, user)
      if ((pde & 0x20) === 0) mem.write32(pdeAddr, pde | 0x20)
      const upd = pte | 0x20 | (write ? 0x40 : 0)
      if (upd !== pte) mem.write32(pteAddr, upd)
      writable = (upd & 0x40) !== 0 && pagePermits(c, combined, user)
      global = (pte & 0x100) !== 0 && (c.cr4 & CR4_PGE) !== 0
      physPage = pte & ~0xfff
    }
  }
  physPage &= c.memory.a20Mask
  const entry =
    physPage |
    TLB_VALID |
    (c.memory.pageIsPlainRam(physPage >>> 12) && !(c.watchData && pageWatched(c.dr, page)) ? TLB_RAM : 0) |
    (global ? TLB_GLOBAL : 0)
  if (c.filledCount < FILLED_MAX) c.filled[c.filledCount++] = page
  else c.filledOverflow = true
  if (user) {
    c.tlbRU[page] = entry
    if (writable) c.tlbWU[page] = entry
  } else {
    c.tlbRS[page] = entry
    if (writable) c.tlbWS[page] = entry
  }
  return (physPage | (linear & 0xfff)) >>> 0
}

/** Reads a page-directory or page-table entry (straight from RAM when the table lives in plain RAM). */
function readTableEntry(c: Cpu, addr: number): number {
  const a = (addr & c.memory.a20Mask) >>> 0
  if (a + 3 < c.memory.ramBytes && c.memory.pageIsPlainRam(a >>> 12)) return c.ramView.getInt32(a, true)
  return c.memory.read32(a)
}

/** Whether a write is permitted by the combined page bits for this privilege (CR0.WP for supervisor). */
function pagePermits(c: Cpu, bits: number, user: boolean): boolean {
  if ((bits & 2) !== 0) return true
  return !user && (c.cr0 & CR0_WP) === 0
}

function checkPagePerms(c: Cpu, linear: number, bits: number, write: boolean, user: boolean): void {
  if (user && (bits & 4) === 0) pageFault(c, linear, 1, write, user)
  if (write && !pagePermits(c, bits, user)) pageFault(c, linear, 1, write, user)
}

function pageFault(c: Cpu, linear: number, present: number, write: boolean, user: boolean): never {
  c.cr2 = linear
  return c.fault(PF_VECTOR, present | (write ? 2 : 0) | (user ? 4 : 0))
}
