// Test harness for the CPU: guest memory, a recording port sink and a scriptable interrupt source, plus nasm
// assembly at test time (nasm comes from Debian; see tooling/ci/debian-packages.txt).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cpu, type CpuExit, type CpuOptions } from '../../src/cpu/cpu'
import type { CpuState } from '../../src/cpu/cpu-state'
import type { AccessSize, IoBus } from '../../src/io/io-bus'
import type { InterruptSource } from '../../src/irq/interrupt-source'
import { PhysicalMemory } from '../../src/memory/physical-memory'

/** The three execution engines (CpuOptions.engine), for tests that must see the same behaviour in each. */
export const ENGINES = ['interpreter', 'blocks', 'compiled'] as const

/** Port sink: records writes, answers reads from a map (default all ones). */
export class PortSink implements IoBus {
  readonly writes: [number, number, AccessSize][] = []
  readonly values = new Map<number, number>()
  ioRead(port: number, size: AccessSize): number {
    return this.values.get(port) ?? (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff)
  }
  ioWrite(port: number, value: number, size: AccessSize): void {
    this.writes.push([port, value, size])
  }
}

/** Interrupt source whose INTR/NMI lines the test drives. */
export class TestInterrupts implements InterruptSource {
  pending: number[] = []
  nmi = false
  hasInterrupt(): boolean {
    return this.pending.length > 0
  }
  acknowledge(): number {
    return this.pending.shift() ?? 0xff
  }
  hasNmi(): boolean {
    return this.nmi
  }
  acknowledgeNmi(): void {
    this.nmi = false
  }
}

export interface TestMachine {
  readonly cpu: Cpu
  readonly memory: PhysicalMemory
  readonly ports: PortSink
  readonly interrupts: TestInterrupts
}

export function createMachine(ramBytes = 4 << 20, options: Partial<CpuOptions> = {}): TestMachine {
  const memory = new PhysicalMemory({ ramBytes })
  const ports = new PortSink()
  const interrupts = new TestInterrupts()
  const cpu = new Cpu({ memory, io: ports, interrupts, ...options })
  return { cpu, memory, ports, interrupts }
}

/** Assembles nasm source (flat binary) and returns the bytes. */
export function assemble(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-nasm-'))
  try {
    writeFileSync(join(dir, 'a.asm'), source)
    execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'a.bin'), join(dir, 'a.asm')], { stdio: 'pipe' })
    return new Uint8Array(readFileSync(join(dir, 'a.bin')))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Loads 16-bit real-mode code at 0000:7C00 (CS=0), SP=0x7000, and runs it until HLT (or the budget). */
export function runReal(source: string, budget = 1_000_000): TestMachine {
  const m = createMachine()
  const code = assemble(`bits 16\norg 0x7c00\n${source}`)
  m.memory.ram.set(code, 0x7c00)
  const s = m.cpu.getState()
  s.cs = { selector: 0, base: 0, limit: 0xffff, attributes: 0x9b }
  s.eip = 0x7c00
  s.esp = 0x7000
  m.cpu.setState(s)
  const exit = m.cpu.run(budget)
  if (exit.reason !== 'halted') throw new Error(`program did not halt: ${exit.reason} at ${m.cpu.eip.toString(16)}`)
  return m
}

/** Flat 32-bit protected mode at CPL 0: GDT at 0x1000 (0x08 code, 0x10 data), IDT at 0x2000 whose 32 gates all
 *  point at a HLT at 0x3000. Code is assembled with `bits 32`, `org 0x10000`, and starts there. */
export function protectedMachine(
  source: string,
  extraGdt: [number, number, number][] = [],
  options: Partial<CpuOptions> = {},
): TestMachine {
  const m = createMachine(4 << 20, options)
  const mem = m.memory
  const desc = (sel: number, lo: number, hi: number) => {
    mem.write32(0x1000 + sel, lo)
    mem.write32(0x1000 + sel + 4, hi)
  }
  desc(0x08, 0x0000ffff, 0x00cf9b00)
  desc(0x10, 0x0000ffff, 0x00cf9300)
  for (const [sel, lo, hi] of extraGdt) desc(sel, lo, hi)
  for (let v = 0; v < 32; v++) {
    mem.write32(0x2000 + v * 8, 0x00083000)
    mem.write32(0x2000 + v * 8 + 4, 0x00008f00)
  }
  mem.write8(0x3000, 0xf4)
  const code = assemble(`bits 32\norg 0x10000\n${source}`)
  mem.ram.set(code, 0x10000)
  const s = m.cpu.getState()
  const flat = (selector: number, attributes: number) => ({ selector, base: 0, limit: 0xffffffff, attributes })
  s.cs = flat(0x08, 0xc09b)
  for (const seg of ['ds', 'es', 'ss', 'fs', 'gs'] as const) s[seg] = flat(0x10, 0xc093)
  s.gdtr = { base: 0x1000, limit: 0xff }
  s.idtr = { base: 0x2000, limit: 32 * 8 - 1 }
  s.cr0 = 0x11
  s.eip = 0x10000
  s.esp = 0x80000
  m.cpu.setState(s)
  return m
}

/**
 * Runs `m` for up to `budget` instructions and returns how the run ended and the state it left, for comparing
 * engines (interpreter, block interpreter, compiled code) — with the TSC zeroed, which they need not agree on.
 */
export function runForComparison(m: TestMachine, budget = 1_000_000): { exit: CpuExit; st: CpuState } {
  const exit = m.cpu.run(budget)
  // A compiler bug would otherwise pass unseen: the CPU falls back to the block interpreter.
  if (m.cpu.compileError !== null) throw m.cpu.compileError
  const st = m.cpu.getState()
  st.msr.tsc = 0
  return { exit, st }
}

/** An `everyEngine` edit: DS becomes the 64 KiB data segment at selector 0x18 (a #GP past 0xFFFF), ESI `esi`. */
export function limitDs(esi: number): (m: TestMachine) => void {
  return (m) => {
    const s = m.cpu.getState()
    s.ds = { selector: 0x18, base: 0, limit: 0xffff, attributes: 0x4093 }
    s.esi = esi
    m.cpu.setState(s)
  }
}

/**
 * Runs `source` (protectedMachine, compiling at once) on every engine in chunks of `budget(k)` instructions for the
 * k-th chunk, until it halts or `chunks` chunks ran; returns each engine's state (TSC zeroed) and instructions retired.
 * Small budgets end chunks inside blocks, where compiled code and the block interpreter must resume exactly.
 */
export function everyEngineInChunks(source: string, budget: (k: number) => number, chunks = 20_000) {
  return ENGINES.map((engine) => {
    const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
    for (let k = 0; k < chunks && !m.cpu.getState().halted; k++) m.cpu.run(budget(k))
    if (m.cpu.compileError !== null) throw m.cpu.compileError
    const st = m.cpu.getState()
    st.msr.tsc = 0
    return { st, retired: m.cpu.instructionsRetired }
  })
}

/** Generated source of the compiled functions of `m` (tests that check what the compiler made of a block). */
export function compiledSources(m: TestMachine): string {
  return m.cpu.compiled
    .filter((f) => f !== undefined)
    .map(String)
    .join('\n')
}

/**
 * Runs `source` (protectedMachine, with a flat data segment at selector 0x18) on every engine, compiling at once,
 * after `edit`; returns each engine's exit, state and top 32 bytes of the stack, and the compiled engine's machine.
 */
export function everyEngine(source: string, edit: (m: TestMachine) => void = () => {}) {
  const machines = ENGINES.map((engine) => {
    const m = protectedMachine(source, [[0x18, 0x0000ffff, 0x00cf9300]], { engine, compileThreshold: 1 })
    edit(m)
    return m
  })
  const results = machines.map((m) => {
    const { exit, st } = runForComparison(m)
    return { exit: exit.reason, st, stack: [...m.memory.ram.subarray(0x7ffe0, 0x80000)] }
  })
  return { results, compiled: machines[2]! }
}

/** Steps until an exception is reported or `max` instructions ran; returns the exception (or null). */
export function stepUntilException(m: TestMachine, max = 1000): { vector: number; errorCode: number | null } | null {
  for (let i = 0; i < max; i++) {
    const r = m.cpu.step()
    if (r.exception !== undefined) return r.exception
    if (r.reason !== 'budget') return null
  }
  return null
}

/** GDT entries for `protectedMachine` with flat ring-3 code (index 0x18, selector 0x1b) and data (0x20, 0x23). */
export const USER_GDT: [number, number, number][] = [
  [0x18, 0x0000ffff, 0x00cffb00],
  [0x20, 0x0000ffff, 0x00cff300],
]

/**
 * Moves a machine built with `USER_GDT` to CPL 3 with flat user segments (CS 0x1b, data 0x23); `edit` may
 * change the rest of the state before it is loaded.
 */
export function enterUserMode(m: TestMachine, edit: (s: CpuState) => void = () => {}): TestMachine {
  const s = m.cpu.getState()
  const flat = (selector: number, attributes: number) => ({ selector, base: 0, limit: 0xffffffff, attributes })
  s.cs = flat(0x1b, 0xc0fb)
  for (const seg of ['ds', 'es', 'ss', 'fs', 'gs'] as const) s[seg] = flat(0x23, 0xc0f3)
  s.cpl = 3
  edit(s)
  m.cpu.setState(s)
  return m
}

/** Assembly that loads CR3 with `pd` and turns paging on (EDX is scratch). */
export function enablePaging(pd: number): string {
  return `mov edx, ${pd}\nmov cr3, edx\nmov edx, cr0\nor edx, 0x80000000\nmov cr0, edx`
}

/** Page tables at `pd` and `pt` mapping the first 4 MiB linear to physical one to one (writable, user). */
export function identityMap(m: TestMachine, pd: number, pt: number): void {
  m.memory.write32(pd, pt | 0x23)
  for (let i = 0; i < 1024; i++) m.memory.write32(pt + i * 4, (i << 12) | 0x23)
}

/**
 * Maps a one-page MMIO latch at `base` (reads return the last value written) and returns the log of its accesses
 * (`r4@offset`, `w1@offset=value`): what compiled code must hand to the device exactly as the interpreter does.
 */
export function mapLatch(m: TestMachine, base: number): string[] {
  const log: string[] = []
  let latch = 0x5a5a5a5a
  m.memory.mapMmio(
    base,
    0x1000,
    {
      read: (offset, size) => {
        log.push(`r${size}@${offset}`)
        return latch
      },
      write: (offset, value, size) => {
        log.push(`w${size}@${offset}=${value}`)
        latch = value
      },
    },
    'test latch',
  )
  return log
}
