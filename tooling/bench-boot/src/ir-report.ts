// Host instructions per function of a `phase-ir.ts` Callgrind run (`--dump-instr=yes`): native functions by their
// symbols, JavaScript through the perf map V8 wrote (`--perf-basic-prof`, /tmp/perf-<pid>.map). For each: its own
// instructions, how often it was entered (the count at its first instruction: calls, for code that starts with its
// prologue) and instructions per entry; then sums by kind — optimized JavaScript, code still in V8's lower tiers with
// the inline-cache and baseline builtins it calls, V8's optimizing compiler, the rest.
//   node --import tsx src/ir-report.ts <callgrind.out> <perf.map> [rows]
import { readFileSync } from 'node:fs'

type Range = { readonly start: number; readonly end: number; readonly name: string }

/** The code ranges of a V8 perf map ("start size name" per line, hexadecimal), sorted by start. */
function readPerfMap(path: string): Range[] {
  const ranges: Range[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line)
    if (m === null) continue
    const start = parseInt(m[1]!, 16)
    ranges.push({ start, end: start + parseInt(m[2]!, 16), name: m[3]! })
  }
  return ranges.sort((a, b) => a.start - b.start)
}

/** The range holding `address`, by binary search. */
function rangeAt(ranges: readonly Range[], address: number): Range | undefined {
  let lo = 0
  let hi = ranges.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (ranges[mid]!.start <= address) lo = mid
    else hi = mid - 1
  }
  const r = ranges[lo]
  return r !== undefined && r.start <= address && address < r.end ? r : undefined
}

type Cost = { self: number; entries: number }

/**
 * Self cost per function name. Cost lines start with the instruction's address — absolute (0x…), relative to the
 * previous line's (+n, -n) or the same (*) — and end with its Ir; the line after `calls=` is a call's inclusive cost,
 * not the caller's own.
 */
function readCallgrind(path: string, ranges: readonly Range[]): Map<string, Cost> {
  const names = new Map<string, string>()
  const costs = new Map<string, Cost>()
  let fn = '?'
  let address = 0
  let callLine = false
  const nameOf = (spec: string): string => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec)
    if (m === null) return spec
    if (m[2] !== undefined) names.set(m[1]!, m[2])
    return names.get(m[1]!) ?? '?'
  }
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = nameOf(line.slice(3))
    else if (line.startsWith('cfn=')) nameOf(line.slice(4))
    else if (line.startsWith('calls=')) callLine = true
    else if (/^[0-9+\-*]/.test(line)) {
      const fields = line.split(' ')
      const position = fields[0]
      const ir = Number(fields[fields.length - 1])
      if (position!.startsWith('0x')) address = parseInt(position!, 16)
      else if (position!.startsWith('+')) address += Number(position!.slice(1))
      else if (position!.startsWith('-')) address -= Number(position!.slice(1))
      else if (position !== '*') address = Number(position)
      if (callLine) {
        callLine = false
        continue
      }
      const range = fn === '???' || fn.startsWith('0x') ? rangeAt(ranges, address) : undefined
      const key = range?.name ?? fn
      const cost = costs.get(key) ?? { self: 0, entries: 0 }
      cost.self += ir
      if (range !== undefined && address === range.start) cost.entries += ir
      costs.set(key, cost)
    }
  }
  return costs
}

/** The kind of a function, for the sums. */
function kindOf(name: string): string {
  if (/compiler::|Zone|Pipeline|Turbofan/.test(name)) return 'optimizing compiler'
  if (name.startsWith('JS:*')) return 'optimized JavaScript'
  if (/^JS:[~^]|Baseline|IC|Bytecode|Interpreter/.test(name)) return 'lower tiers and inline caches'
  return 'other'
}

const [outFile, mapFile, rows] = process.argv.slice(2)
if (outFile === undefined || mapFile === undefined) {
  console.error('usage: ir-report.ts <callgrind.out> <perf.map> [rows]')
  process.exit(2)
}
const costs = [...readCallgrind(outFile, readPerfMap(mapFile))].sort((a, b) => b[1].self - a[1].self)
const total = costs.reduce((sum, [, c]) => sum + c.self, 0)
const m = (n: number) => `${(n / 1e6).toFixed(1)}M`
console.log(`total ${m(total)} host instructions`)
for (const [name, c] of costs.slice(0, Number(rows ?? 40))) {
  const perEntry = c.entries > 0 ? (c.self / c.entries).toFixed(0) : '-'
  console.log(`${m(c.self).padStart(9)} ${((100 * c.self) / total).toFixed(2).padStart(6)}%  entered ${m(c.entries)}`)
  console.log(`${' '.repeat(18)}${perEntry.padStart(6)} per entry  ${name.slice(0, 100)}`)
}
const kinds = new Map<string, number>()
for (const [name, c] of costs) kinds.set(kindOf(name), (kinds.get(kindOf(name)) ?? 0) + c.self)
for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${kind}: ${m(n)}`)
