// Test harness for the CPU: guest memory, a recording port sink and a scriptable interrupt source, plus nasm
// assembly at test time (nasm comes from Debian; see tooling/ci/debian-packages.txt).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cpu } from '../../src/cpu/cpu'
import type { AccessSize, IoBus } from '../../src/io/io-bus'
import type { InterruptSource } from '../../src/irq/interrupt-source'
import { PhysicalMemory } from '../../src/memory/physical-memory'

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

export function createMachine(ramBytes = 4 << 20): TestMachine {
  const memory = new PhysicalMemory({ ramBytes })
  const ports = new PortSink()
  const interrupts = new TestInterrupts()
  const cpu = new Cpu({ memory, io: ports, interrupts })
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
