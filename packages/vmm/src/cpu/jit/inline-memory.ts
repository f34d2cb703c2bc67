// Data accesses of compiled code with the RAM fast path written into the block (x86-notes §3.2 item 7; v86 and QEMU
// TCG inline the TLB hit the same way): V8 does not inline Cpu.read32/write32 into big compiled functions, and the
// call was ~45% of the time of the boot's hottest loop. Each `c.read32(seg, off)` / `c.write32(seg, off, v)` of a
// block's source becomes the checks of cpu.ts `read32`/`write32` — segment bounds, a TLB entry for plain RAM,
// alignment, and for stores no decoded code on the page — with the method itself called whenever any of them
// fails, so faults, MMIO, page walks, dirty bits of slow writes and self-modifying code stay in one place.
// Segment bases and bounds are read into locals once per call of the block: only records that run through the
// interpreter or unknown helpers can load a segment register, and blocks with those are not rewritten.
import { TLB_DATA_FAST } from '../tlb-entry'

/** Locals a rewritten body needs, and the body. */
export type InlinedMemory = { readonly declare: string; readonly body: string }

/** Splits the argument list that starts at `open` (just after `(`); returns the arguments and the index after `)`. */
function callArgs(text: string, open: number): { args: string[]; end: number } | null {
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
 * Rewrites every `c.read32(S, off)` (an expression) and `c.write32(S, off, v);` (a statement) with a constant
 * segment S in `body`. The caller guarantees that nothing in the body can change segment registers.
 */
export function inlineMemory(body: string): InlinedMemory {
  const reads = new Set<number>()
  const writes = new Set<number>()
  let out = ''
  let pos = 0
  const re = /\bc\.(read32|write32)\((\d), /g
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const call = callArgs(body, m.index + m[0].length - 3)
    if (call === null) continue
    const seg = Number(m[2])
    const [, off, v] = call.args
    const write = m[1] === 'write32'
    // A store is rewritten only as a whole statement (its value is evaluated once, after the offset).
    if (off === undefined || (write && (v === undefined || body[call.end] !== ';'))) continue
    if (write) writes.add(seg)
    else reads.add(seg)
    out += body.slice(pos, m.index)
    out += write ? store(seg, off, v!) : load(seg, off)
    pos = write ? call.end + 1 : call.end
    re.lastIndex = pos
  }
  if (reads.size + writes.size === 0) return { declare: '', body }
  out += body.slice(pos)
  const locals = [...new Set([...reads, ...writes])].map((s) => `$b${s} = c.segBase[${s}]`)
  for (const s of reads) locals.push(`$rl${s} = c.segReadLo[${s}]`, `$rh${s} = c.segReadHi[${s}] - 3`)
  for (const s of writes) locals.push(`$wl${s} = c.segWriteLo[${s}]`, `$wh${s} = c.segWriteHi[${s}] - 3`)
  return { declare: `const ${locals.join(', ')}; let $o = 0, $l = 0, $e = 0;`, body: out }
}

/** Expression: the aligned 32-bit read of plain RAM, else `c.read32`. */
function load(seg: number, off: string): string {
  return (
    `((($o = (${off}) >>> 0) >= $rl${seg} && $o <= $rh${seg} && (($l = ($b${seg} + $o) | 0) & 3) === 0 && ` +
    `(($e = c.tlbR[$l >>> 12]) & ${TLB_DATA_FAST}) === ${TLB_DATA_FAST}) ? ` +
    `c.ram32[(($e & ~0xfff) | ($l & 0xfff)) >>> 2] : c.read32(${seg}, $o))`
  )
}

/** Statement: the aligned 32-bit write to plain RAM holding no decoded code (dirty bit set), else `c.write32`. */
function store(seg: number, off: string, v: string): string {
  return (
    `{ const $so = (${off}) >>> 0; const $sv = ${v}; const $sl = ($b${seg} + $so) | 0; const $se = c.tlbW[$sl >>> 12]; ` +
    `const $sp = (($se & ~0xfff) | ($sl & 0xfff)) >>> 0; ` +
    `if ($so >= $wl${seg} && $so <= $wh${seg} && ($sl & 3) === 0 && ($se & ${TLB_DATA_FAST}) === ${TLB_DATA_FAST} && ` +
    `c.codePage[$sp >>> 12] === 0) { c.ram32[$sp >>> 2] = $sv; c.dirty[$sp >>> 17] |= 1 << (($sp >>> 12) & 31); } ` +
    `else c.write32(${seg}, $so, $sv); }`
  )
}
