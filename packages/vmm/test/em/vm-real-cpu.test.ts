// The execution loop with the real i686 Cpu: a hand-assembled real-mode program in a ROM device programs a
// timer, takes its interrupts through the IVT while halted, makes a firmware call, and triple-faults on demand.
import { describe, expect, it } from 'vitest'
import { createVm } from '../../src/index'
import type { Vm } from '../../src/index'
import { defineDevice, defineState } from '../../src/device-api/index'
import { control, edgePic, ticker } from './test-devices'
import { assemble } from '../cpu/harness'

const romState = defineState({ unit: 'test-rom', version: 1, fields: {} })

/** A 64 KB system ROM at 0xF0000, aliased at 0xFFFF0000 for the reset vector. */
const testRom = defineDevice({
  name: 'test-rom',
  maxInstances: 1,
  config: { image: { type: 'bytes' } },
  savedState: romState,
  create(ctx, config) {
    ctx.rom(config.image, 'test bios').map(0xf0000)
    ctx.rom(config.image, 'test bios (high alias)').map(0xffff0000)
    return { state: romState.initial(), reset() {} }
  },
})

function romWith(main: number[], handler: number[]): Uint8Array {
  const rom = new Uint8Array(0x10000).fill(0xf4)
  rom.set(main, 0)
  rom.set(handler, 0x100)
  rom.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0) // jmp far F000:0000
  return rom
}

// prettier-ignore
const MAIN = [
  0x31, 0xc0,                         // xor ax, ax
  0x8e, 0xd8,                         // mov ds, ax
  0x8e, 0xd0,                         // mov ss, ax
  0xbc, 0x00, 0x7c,                   // mov sp, 0x7c00
  0xc7, 0x06, 0x80, 0x00, 0x00, 0x01, // mov word [0x80], 0x0100   (IVT entry 0x20: offset)
  0xc7, 0x06, 0x82, 0x00, 0x00, 0xf0, // mov word [0x82], 0xf000   (segment)
  0xb0, 0xc8,                         // mov al, 200
  0xe6, 0x40,                         // out 0x40, al               (ticker: 200 µs period, IRQ 0)
  0xb8, 0x05, 0x00,                   // mov ax, 5
  0xba, 0x00, 0x05,                   // mov dx, 0x500
  0xee,                               // out dx, al                 (firmware call: eax += 5)
  0xa3, 0x00, 0x06,                   // mov [0x600], ax
  0xfb,                               // sti
  0xf4,                               // hlt
  0xeb, 0xfd,                         // jmp $-1 (back to hlt)
]
// prettier-ignore
const HANDLER = [
  0xff, 0x06, 0x10, 0x06,             // inc word [0x610]
  0xcf,                               // iret
]
// prettier-ignore
const TRIPLE = [
  0x31, 0xc0, 0x8e, 0xd8,             // xor ax, ax; mov ds, ax
  0xc7, 0x06, 0x00, 0x07, 0x00, 0x00, // mov word [0x700], 0        (IDT limit 0)
  0xc7, 0x06, 0x02, 0x07, 0x00, 0x00, // mov word [0x702], 0
  0xc7, 0x06, 0x04, 0x07, 0x00, 0x00, // mov word [0x704], 0
  0x0f, 0x01, 0x1e, 0x00, 0x07,       // lidt [0x700]
  0xcc,                               // int3 → #GP → #DF → shutdown
]

function realMachine(main: number[]): Vm {
  return createVm({
    ramBytes: 0x100000,
    devices: [
      { definition: testRom, config: { image: romWith(main, HANDLER) } },
      { definition: edgePic },
      { definition: ticker },
      { definition: control },
    ],
  })
}

const word = (vm: Vm, gpa: number) => vm.memory.ram[gpa]! | (vm.memory.ram[gpa + 1]! << 8)

describe('Vm with the real Cpu', () => {
  it('boots from the reset vector, takes timer interrupts in HLT and services a firmware call', () => {
    const vm = realMachine(MAIN)
    vm.powerOn()
    expect(vm.runFor(10_000_000)).toBe('ran')
    expect(word(vm, 0x600)).toBe(10)
    const interrupts = word(vm, 0x610)
    expect(interrupts).toBeGreaterThanOrEqual(49)
    expect(interrupts).toBeLessThanOrEqual(50)
    // HLT skipped ahead: a few instructions per interrupt, not 10 ms worth of them.
    expect(vm.cpu.instructionsRetired).toBeLessThan(500)
    // The default CPU's state API is reachable through the machine, typed.
    const state = vm.cpu.getState()
    expect(state.cs.selector).toBe(0xf000)
    expect(state.halted).toBe(true)
  })

  it('saves and restores the whole machine mid-run', () => {
    const a = realMachine(MAIN)
    a.powerOn()
    a.runFor(3_000_000)
    a.pause()
    const saved = a.saveState()
    const b = realMachine(MAIN)
    b.loadState(saved)
    expect(b.saveState()).toEqual(saved)
    a.resume()
    b.resume()
    a.runFor(4_000_000)
    b.runFor(4_000_000)
    expect(word(b, 0x610)).toBe(word(a, 0x610))
    expect(word(b, 0x610)).toBeGreaterThanOrEqual(34)
  })

  it('resets on a triple fault and starts again from the reset vector', () => {
    const vm = realMachine(TRIPLE)
    vm.powerOn()
    vm.runFor(100_000)
    expect(vm.tripleFaults).toBeGreaterThan(1)
    expect(vm.state).toBe('running')
  })
})

describe('the TSC of a Vm', () => {
  it('runs at the rate CPUID leaf 0x15 reports, measured against the machine clock by a guest', () => {
    // Reads CPUID 0x15 and the TSC, waits for 10 ticks of the 200 µs ticker, reads the TSC again.
    const main = assemble(`bits 16
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov word [0x80], 0x100
  mov word [0x82], 0xf000
  mov eax, 0x15
  cpuid
  mov [0x620], eax
  mov [0x624], ebx
  mov [0x628], ecx
  rdtsc
  mov [0x630], eax
  mov al, 200
  out 0x40, al
  sti
idle:
  hlt
  cmp word [0x610], 10
  jb idle
  rdtsc
  mov [0x634], eax
  cli
  hlt`)
    const vm = realMachine([...main])
    vm.powerOn()
    vm.runFor(5_000_000)
    const dword = (gpa: number) => (word(vm, gpa) | (word(vm, gpa + 2) << 16)) >>> 0
    expect(word(vm, 0x610)).toBe(10)
    const hz = (dword(0x628) * dword(0x624)) / dword(0x620)
    expect(hz).toBe(1_000_000_000)
    // 10 × 200 µs at the reported rate, give or take the few instructions around the ticker's start.
    const ticks = (dword(0x634) - dword(0x630)) >>> 0
    expect(Math.abs(ticks - 0.002 * hz)).toBeLessThan(0.002 * hz * 0.01)
  })
})

describe('RDRAND on a deterministic Vm', () => {
  // Two RDRANDs 1000 LOOP iterations apart; the values land at 0x640 and 0x644.
  const program = () =>
    assemble(`bits 16
  xor ax, ax
  mov ds, ax
  rdrand eax
  mov [0x640], eax
  mov cx, 1000
spin:
  loop spin
  rdrand eax
  mov [0x644], eax
  cli
  hlt`)
  const dword = (vm: Vm, gpa: number) => (word(vm, gpa) | (word(vm, gpa + 2) << 16)) >>> 0
  const machine = (seed: number) =>
    createVm({
      ramBytes: 0x100000,
      seed,
      devices: [{ definition: testRom, config: { image: romWith([...program()], HANDLER) } }],
    })

  it('repeats with the seed, differs with another, and goes on after a restore as the saved machine would', () => {
    const a = machine(7)
    a.powerOn()
    a.runFor(1_000_000)
    const values = [dword(a, 0x640), dword(a, 0x644)]
    expect(values[0]).not.toBe(values[1])
    const again = machine(7)
    again.powerOn()
    again.runFor(1_000_000)
    expect([dword(again, 0x640), dword(again, 0x644)]).toEqual(values)
    const other = machine(8)
    other.powerOn()
    other.runFor(1_000_000)
    expect(dword(other, 0x640)).not.toBe(values[0])
    // Saved between the two RDRANDs (in the loop), restored into a new machine, run on.
    const b = machine(7)
    b.powerOn()
    b.runFor(3_000)
    expect(dword(b, 0x640)).toBe(values[0])
    expect(dword(b, 0x644)).toBe(0)
    b.pause()
    const c = machine(7)
    c.loadState(b.saveState())
    c.resume()
    c.runFor(1_000_000)
    expect([dword(c, 0x640), dword(c, 0x644)]).toEqual(values)
  })
})
