// Data accesses of compiled code with the RAM fast path written into the block (x86-notes §3.2 item 7; v86 and QEMU
// TCG inline the TLB hit the same way): V8 does not inline Cpu.read32/write32 into big compiled functions, and the
// call was ~45% of the time of the boot's hottest loop. Each `c.read32(seg, off)` / `c.write32(seg, off, v)` of a
// block's source becomes the checks of cpu.ts `read32`/`write32` — segment bounds, a TLB entry for plain RAM,
// alignment, and for stores no decoded code on the page — with the method itself called whenever any of them
// fails, so faults, MMIO, page walks, dirty bits of slow writes and self-modifying code stay in one place.
// Segment bases and bounds are read into locals once per call of the block: only records that run through the
// interpreter or unknown helpers can load a segment register, and blocks with those are not rewritten. Accesses
// through a segment that takes every 32-bit offset when the block is compiled (`Cpu.wideSegs`; flat 4 GB
// segments, what protected-mode kernels run with) leave the bounds out: the function then starts by checking that
// those segments are still so (`guard`), and returns 0 — run me through the block interpreter — when not.
import { TLB_DATA_FAST, TLB_STORE_FAST } from '../tlb-entry'

/**
 * Locals a rewritten body needs, the body, and the `Cpu.wideSegs` bits the body assumes (0: none; else the
 * function must return 0 on entry unless all of them are set).
 */
export type InlinedMemory = { readonly declare: string; readonly body: string; readonly guard: number }

/** Splits the argument list that starts at `open` (just after `(`); returns the arguments and the index after `)`. */
export function callArgs(text: string, open: number): { args: string[]; end: number } | null {
  const args: string[] = []
  let depth = 0
  let start = open
  for (let i = open; i < text.length; i++) {
    const ch = text[i]
    if (ch === '(' || ch === '[') depth++
    else if (ch === ')' || ch === ']') {
      if (depth === 0) {
        args.push(text.slice(start, i).trim())
        return { args, end: i + 1 }
      }
      depth--
    } else if (ch === ',' && depth === 0) {
      args.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  return null
}

/**
 * Rewrites every `c.readN(S, off)` (an expression) and `c.writeN(S, off, v);` (a statement), N = 8, 16 or 32, with a
 * constant segment S in `body`; a call written `c.readN(S , off)` (a space before the comma: page-runs.ts's other
 * path of an access whose page was looked up for its run) stays a call. The caller guarantees that nothing in the body can change segment registers.
 * `wide` is `Cpu.wideSegs` now: accesses through those segments go without bounds checks, under the guard.
 */
export function inlineMemory(body: string, wide: number): InlinedMemory {
  const reads = new Set<number>()
  const writes = new Set<number>()
  let guard = 0
  let out = ''
  let pos = 0
  const re = /\bc\.(read|write)(8|16|32)\((\d), /g
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const call = callArgs(body, m.index + m[0].length - 3)
    if (call === null) continue
    const seg = Number(m[3])
    const bytes = Number(m[2]) / 8
    const [, off, v] = call.args
    const write = m[1] === 'write'
    // A store is rewritten only as a whole statement (its value is evaluated once, after the offset).
    if (off === undefined || (write && (v === undefined || body[call.end] !== ';'))) continue
    const bit = write ? 1 << (seg + 8) : 1 << seg
    const bounded = (wide & bit) === 0
    if (bounded) (write ? writes : reads).add(seg)
    else guard |= bit
    out += body.slice(pos, m.index)
    // The check that ends the block after a store into decoded code (template-parts.ts `afterStore`) moves into
    // the slow path: the inline store never writes a page holding decoded code.
    const after = write ? AFTER_STORE.exec(body.slice(call.end + 1)) : null
    out += write ? store(seg, bytes, off, v!, bounded, after?.[0].trim() ?? '') : load(seg, bytes, off, bounded)
    pos = write ? call.end + 1 + (after?.[0].length ?? 0) : call.end
    re.lastIndex = pos
  }
  if (pos === 0) return { declare: '', body, guard: 0 }
  out += body.slice(pos)
  const used = new Set<number>([...reads, ...writes])
  for (let s = 0; s < 8; s++) if ((guard & (0x101 << s)) !== 0) used.add(s)
  const locals = [...used].map((s) => `$b${s} = c.segBase[${s}]`)
  for (const s of reads) locals.push(`$rl${s} = c.segReadLo[${s}]`, `$rh${s} = c.segReadHi[${s}]`)
  for (const s of writes) locals.push(`$wl${s} = c.segWriteLo[${s}]`, `$wh${s} = c.segWriteHi[${s}]`)
  return { declare: `const ${locals.join(', ')}; let $o = 0, $l = 0, $e = 0;`, body: out, guard }
}

/** The `afterStore` check right after a store statement: `if (c.breakChunk === true) { … }` (no nested braces). */
export const AFTER_STORE = /^\s*if \(c\.breakChunk === true\) \{[^{}]*\}/

/** Conditions: offset `o` (unsigned, `first` computes it) within `lo`..`hi` for `bytes` bytes. */
function inBounds(first: string, o: string, lo: string, hi: string, bytes: number): string[] {
  return [`${first} >= ${lo}`, `${o}${bytes === 1 ? '' : ` + ${bytes - 1}`} <= ${hi}`]
}

/** Expression: the aligned read of plain RAM, else `c.readN`; `bounded`: with the segment's bounds check. */
function load(seg: number, bytes: number, off: string, bounded: boolean): string {
  // Unsigned: RAM above 2 GiB has TLB entries with bit 31 set.
  const p = '((($e & ~0xfff) | ($l & 0xfff)) >>> 0)'
  const value = bytes === 4 ? `c.ram32[${p} >>> 2]` : bytes === 2 ? `c.ram16[${p} >>> 1]` : `c.ram[${p}]`
  const linear = `($l = ($b${seg} + $o) | 0)`
  // cpu.ts takes the fast path only for aligned accesses (then within one page).
  const offset = `($o = (${off}) >>> 0)`
  const conditions = [
    ...(bounded ? inBounds(offset, '$o', `$rl${seg}`, `$rh${seg}`, bytes) : [`(${offset}, true)`]),
    bytes === 1 ? `(${linear}, true)` : `(${linear} & ${bytes - 1}) === 0`,
    `(($e = c.tlbR[$l >>> 12]) & ${TLB_DATA_FAST}) === ${TLB_DATA_FAST}`,
  ]
  return `((${conditions.join(' && ')}) ? ${value} : c.read${bytes * 8}(${seg}, $o))`
}

/**
 * Statement: the aligned write to plain RAM holding no decoded code whose dirty bit is already set (the write TLB
 * entry says so: TLB_DIRTY), else `c.writeN` (which sets it) followed by `after`; `bounded`: with the segment's
 * bounds check.
 */
function store(seg: number, bytes: number, off: string, v: string, bounded: boolean, after: string): string {
  const write =
    bytes === 4 ? 'c.ram32[$sp >>> 2] = $sv;' : bytes === 2 ? 'c.ram16[$sp >>> 1] = $sv;' : 'c.ram[$sp] = $sv;'
  return (
    `{ const $so = (${off}) >>> 0; const $sv = ${v}; const $sl = ($b${seg} + $so) | 0; const $se = c.tlbW[$sl >>> 12]; ` +
    `const $sp = (($se & ~0xfff) | ($sl & 0xfff)) >>> 0; ` +
    `if (${[...(bounded ? inBounds('$so', '$so', `$wl${seg}`, `$wh${seg}`, bytes) : []), ...(bytes === 1 ? [] : [`($sl & ${bytes - 1}) === 0`]), `($se & ${TLB_STORE_FAST}) === ${TLB_STORE_FAST}`].join(' && ')} && ` +
    `c.codePage[$sp >>> 12] === 0) { ${write} } else { c.write${bytes * 8}(${seg}, $so, $sv); ${after} } }`
  )
}
