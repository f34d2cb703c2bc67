import { describe, expect, it, vi } from 'vitest'
import { SavedStateError, VmRunner, VmStateError, createVm } from '../../src/index'
import type { ExecutionCpu, HostScheduler, LogEntry, Vm, VmConfig } from '../../src/index'
import { TestCpu } from './test-cpu'
import type { Op } from './test-cpu'
import { control, edgePic, ticker } from './test-devices'
import { defineDevice, defineState } from '../../src/device-api/index'

function machine(
  program: Op[],
  extra: Partial<VmConfig<TestCpu>> = {},
  handlerPc = 0,
): { vm: Vm<TestCpu>; cpu: () => TestCpu } {
  let cpu: TestCpu | undefined
  const vm = createVm({
    ramBytes: 0x10000,
    devices: [{ definition: edgePic }, { definition: ticker }, { definition: control }],
    cpu: (wiring) => (cpu = new TestCpu(wiring, program, handlerPc)),
    ...extra,
  })
  return { vm, cpu: () => cpu! }
}

const ticks = (vm: Vm<ExecutionCpu>) =>
  vm.host.devices.find((d) => d.definition.name === 'ticker')!.device.state as {
    ticks: number
    lateNs: number
  }

describe('Vm (deterministic time)', () => {
  it('advances virtual time with instructions retired', () => {
    const { vm, cpu } = machine([{ op: 'nop' }, { op: 'jmp', to: 0 }])
    vm.powerOn()
    expect(vm.state).toBe('running')
    expect(vm.runFor(1_000_000)).toBe('ran')
    expect(cpu().instructionsRetired).toBe(100_000)
    expect(vm.nowNs()).toBe(1_000_000)
  })

  it('fires timers exactly at their deadlines by bounding slices', () => {
    const { vm } = machine([{ op: 'out', port: 0x40, value: 100 }, { op: 'nop' }, { op: 'jmp', to: 1 }])
    vm.powerOn()
    vm.runFor(10_000_000)
    expect(ticks(vm).ticks).toBe(99)
    expect(ticks(vm).lateNs).toBeLessThanOrEqual(10)
  })

  it('HLT skips to the next deadline and interrupts wake the CPU', () => {
    // 0: start a 1 ms ticker, enable interrupts, halt; the handler (pc 2) halts again.
    const { vm, cpu } = machine(
      [{ op: 'out', port: 0x40, value: 250 }, { op: 'sti' }, { op: 'hlt' }, { op: 'jmp', to: 2 }],
      {},
      2,
    )
    vm.powerOn()
    vm.runFor(10_001_000)
    expect(cpu().vectors.length).toBe(40)
    expect(new Set(cpu().vectors)).toEqual(new Set([0x20]))
    expect(cpu().instructionsRetired).toBeLessThan(200)
    expect(vm.nowNs()).toBe(10_001_000)
  })

  it('reports a guest halted forever and still moves time to the target', () => {
    const { vm } = machine([{ op: 'cli' }, { op: 'hlt' }])
    vm.powerOn()
    expect(vm.runFor(5_000_000)).toBe('halted-forever')
    expect(vm.nowNs()).toBe(5_000_000)
  })

  it('a pending interrupt the CPU cannot take (CLI; HLT) does not spin the loop', () => {
    const { vm, cpu } = machine([{ op: 'cli' }, { op: 'hlt' }])
    vm.powerOn()
    vm.host.irqs.createDriver(4).raise()
    expect(vm.host.irqs.cpuInterrupts.hasInterrupt()).toBe(true)
    expect(vm.runFor(1_000_000)).toBe('halted-forever')
    expect(cpu().vectors).toEqual([])
    expect(vm.nowNs()).toBe(1_000_000)
  })

  it('resets the machine on a triple fault', () => {
    const logs: LogEntry[] = []
    const { vm, cpu } = machine([{ op: 'out', port: 0x40, value: 50 }, { op: 'triple-fault' }], {
      log: (e) => logs.push(e),
    })
    vm.powerOn()
    const resetsAfterPowerOn = cpu().resets
    // The first slice ends after the OUT that armed a timer (the new deadline bounds the next slice).
    expect(vm.runSlice(2).retired).toBe(1)
    vm.runSlice(2)
    expect(vm.tripleFaults).toBe(1)
    expect(cpu().resets).toBe(resetsAfterPowerOn + 1)
    expect(vm.host.timers.nextDeadlineNs()).toBeUndefined()
    expect(logs.some((l) => l.message.includes('triple fault'))).toBe(true)
  })

  it('a guest that triple-faults at once still lets time move', () => {
    const { vm } = machine([{ op: 'triple-fault' }])
    vm.powerOn()
    expect(vm.runFor(10_000)).toBe('ran')
    expect(vm.tripleFaults).toBe(500) // each costs the faulting instruction plus the reset: 20 ns
    expect(vm.nowNs()).toBe(10_000)
  })

  it('acts on device reset and power-off requests at once', () => {
    const { vm, cpu } = machine([{ op: 'nop' }, { op: 'out', port: 0xcf9, value: 6 }, { op: 'nop' }])
    vm.powerOn()
    const before = cpu().resets
    const slice = vm.runSlice(100)
    expect(slice.retired).toBe(2)
    expect(cpu().resets).toBe(before + 1)
    expect(cpu().pc).toBe(0)
    const off = machine([
      { op: 'out', port: 0xcf9, value: 0x20 },
      { op: 'jmp', to: 0 },
    ])
    const states: string[] = []
    off.vm.onStateChange((s) => states.push(s))
    off.vm.powerOn()
    expect(off.vm.runFor(1_000_000)).toBe('stopped')
    expect(off.vm.state).toBe('powered-off')
    expect(states).toEqual(['running', 'powered-off'])
  })

  it('services firmware calls through the CPU register hook', () => {
    const { vm, cpu } = machine([{ op: 'out', port: 0x500, value: 5 }, { op: 'hlt' }])
    vm.powerOn()
    cpu().regs.eax = 10
    vm.runSlice(1)
    expect(cpu().regs.eax).toBe(15)
  })

  it('a host-side exception (an emulator bug) puts the machine into the stuck state', () => {
    const st = defineState({ unit: 'buggy', version: 1, fields: {} })
    const buggy = defineDevice({
      name: 'buggy',
      maxInstances: 1,
      config: {},
      savedState: st,
      create(ctx) {
        ctx
          .ioPorts(
            1,
            {
              write: () => {
                throw new Error('device bug')
              },
            },
            'buggy',
          )
          .map(0x99)
        return { state: st.initial(), reset() {} }
      },
    })
    const logs: LogEntry[] = []
    const vm = createVm({
      ramBytes: 0x10000,
      devices: [{ definition: buggy }],
      cpu: (w) => new TestCpu(w, [{ op: 'nop' }, { op: 'out', port: 0x99, value: 1 }]),
      log: (e) => logs.push(e),
    })
    vm.powerOn()
    expect(() => vm.runFor(1000)).toThrow('device bug')
    expect(vm.state).toBe('stuck')
    expect((vm.lastError as Error).message).toBe('device bug')
    expect(logs.some((l) => l.level === 'error' && l.message.startsWith('guru meditation'))).toBe(true)
    expect(vm.saveState().length).toBeGreaterThan(0)
    expect(vm.runSlice().status).toBe('stopped')
    vm.powerOff()
    expect(vm.state).toBe('powered-off')
  })

  it('enforces the lifecycle', () => {
    const { vm } = machine([{ op: 'nop' }])
    expect(() => vm.pause()).toThrow(VmStateError)
    expect(() => vm.reset()).toThrow(/cannot reset a machine that is created/)
    vm.powerOn()
    expect(() => vm.powerOn()).toThrow(VmStateError)
    expect(() => vm.saveState()).toThrow(/paused/)
    vm.pause()
    expect(vm.runSlice().status).toBe('stopped')
    vm.resume()
    vm.powerOff()
    expect(vm.state).toBe('powered-off')
    expect(() => vm.resume()).toThrow(VmStateError)
  })
})

describe('Vm saved state', () => {
  const program: Op[] = [{ op: 'out', port: 0x40, value: 77 }, { op: 'sti' }, { op: 'nop' }, { op: 'jmp', to: 2 }]

  it('save → load → save is identical and both machines continue identically', () => {
    const a = machine(program, {}, 2)
    a.vm.powerOn()
    a.vm.runFor(3_333_333)
    a.vm.memory.ram.set([1, 2, 3], 0x1234)
    a.vm.pause()
    const saved = a.vm.saveState()
    const b = machine(program, {}, 2)
    b.vm.loadState(saved)
    expect(b.vm.state).toBe('paused')
    expect(b.vm.saveState()).toEqual(saved)
    expect(b.vm.memory.ram[0x1235]).toBe(2)
    a.vm.resume()
    b.vm.resume()
    a.vm.runFor(2_000_000)
    b.vm.runFor(2_000_000)
    a.vm.pause()
    b.vm.pause()
    expect(b.vm.saveState()).toEqual(a.vm.saveState())
    expect(ticks(b.vm).ticks).toBeGreaterThan(60)
  })

  it('rejects corrupt streams and mismatched machines before changing anything', () => {
    const a = machine(program, {}, 2)
    a.vm.powerOn()
    a.vm.runFor(1_000_000)
    a.vm.pause()
    const saved = a.vm.saveState()
    const corrupt = saved.slice()
    corrupt[40]! ^= 1
    const b = machine(program, {}, 2)
    expect(() => b.vm.loadState(corrupt)).toThrow(SavedStateError)
    const bigger = machine(program, { ramBytes: 0x20000 }, 2)
    expect(() => bigger.vm.loadState(saved)).toThrow(/saved RAM is 65536 bytes, VM has 131072/)
    const fewer = createVm({
      ramBytes: 0x10000,
      devices: [{ definition: edgePic }],
      cpu: (w) => new TestCpu(w, program),
    })
    expect(() => fewer.loadState(saved)).toThrow(/belongs to no device/)
    expect(fewer.nowNs()).toBe(0)
  })
})

describe('Vm real-time mode and the runner', () => {
  function fakeHost() {
    const host = { ns: 0, nowNs: () => host.ns }
    return host
  }

  function manualScheduler() {
    const queue: { cb: () => void; ms: number; id: number }[] = []
    let next = 1
    const scheduler: HostScheduler = {
      setTimeout: (cb, ms) => {
        const id = next++
        queue.push({ cb, ms, id })
        return id
      },
      clearTimeout: (h) => {
        const i = queue.findIndex((q) => q.id === h)
        if (i >= 0) queue.splice(i, 1)
      },
    }
    return { scheduler, queue }
  }

  it('freezes virtual time while paused', () => {
    const host = fakeHost()
    const { vm } = machine([{ op: 'nop' }, { op: 'jmp', to: 0 }], { time: { kind: 'realtime', host } })
    vm.powerOn()
    host.ns += 5_000_000
    expect(vm.nowNs()).toBe(5_000_000)
    vm.pause()
    host.ns += 100_000_000
    expect(vm.nowNs()).toBe(5_000_000)
    vm.resume()
    host.ns += 1_000_000
    expect(vm.nowNs()).toBe(6_000_000)
  })

  it('yields between slices through setImmediate by default (setTimeout 0 waits at least 1 ms in Node)', async () => {
    // A host clock that moves 1 ms per reading: each tick runs ten slices, then yields.
    const host = { ns: 0, nowNs: () => (host.ns += 1_000_000) }
    const { vm } = machine([{ op: 'nop' }, { op: 'jmp', to: 0 }], { time: { kind: 'realtime', host } })
    const immediate = vi.spyOn(globalThis, 'setImmediate')
    const timeout = vi.spyOn(globalThis, 'setTimeout')
    try {
      const runner = new VmRunner(vm)
      runner.start()
      for (let k = 0; k < 5; k++) await new Promise<void>((resolve) => setImmediate(resolve))
      runner.stop()
      // The runner's own calls: every yield an immediate, no 0 ms timers.
      expect(immediate.mock.calls.length).toBeGreaterThan(5)
      expect(timeout.mock.calls.filter((call) => call[1] === 0)).toEqual([])
    } finally {
      immediate.mockRestore()
      timeout.mockRestore()
    }
  })

  it('sleeps on HLT until the next deadline and wakes early on an interrupt line change', () => {
    const host = fakeHost()
    const { vm, cpu } = machine(
      [{ op: 'out', port: 0x40, value: 200 }, { op: 'sti' }, { op: 'hlt' }, { op: 'jmp', to: 2 }],
      {
        time: { kind: 'realtime', host },
      },
      2,
    )
    const { scheduler, queue } = manualScheduler()
    const runner = new VmRunner(vm, { scheduler })
    runner.start()
    expect(vm.state).toBe('running')
    expect(queue.length).toBe(1)
    queue.shift()!.cb()
    // The guest programmed a 200 µs timer and halted: the runner sleeps until then, in whole host milliseconds
    // rounded up (a host timer truncates a fraction and would fire before the deadline).
    expect(runner.isSleeping).toBe(true)
    expect(queue.length).toBe(1)
    expect(queue[0]!.ms).toBe(1)
    host.ns += 200_000
    queue.shift()!.cb()
    expect(cpu().vectors).toEqual([0x20])
    expect(runner.sleeps).toBe(2)
    // An IRQ from outside (a host event) wakes the sleeping runner at once.
    const line = vm.host.irqs.createDriver(3)
    line.raise()
    expect(queue.some((q) => q.ms === 0)).toBe(true)
    queue.shift()!.cb()
    expect(runner.isSleeping).toBe(true)
    // So does a reset by the embedder: the CPU has work again.
    vm.reset('hard')
    expect(runner.isSleeping).toBe(false)
    expect(queue.some((q) => q.ms === 0)).toBe(true)
    runner.stop()
    expect(queue.length).toBe(0)
  })

  it('drops host time lost beyond the catch-up limit (host suspend) instead of a tick storm', () => {
    const host = fakeHost()
    const logs: LogEntry[] = []
    const { vm } = machine(
      [{ op: 'out', port: 0x40, value: 200 }, { op: 'sti' }, { op: 'hlt' }, { op: 'jmp', to: 2 }],
      {
        time: { kind: 'realtime', host },
        log: (e) => logs.push(e),
      },
      2,
    )
    vm.powerOn()
    expect(vm.runSlice().status).toBe('ran')
    expect(vm.runSlice().status).toBe('idle')
    host.ns += 500_000 // a normal wake-up, 300 µs late: caught up
    vm.runSlice()
    expect(ticks(vm).ticks).toBe(2)
    host.ns += 60_000_000_000 // the host slept for a minute
    vm.runSlice()
    expect(ticks(vm).ticks).toBe(3)
    expect(vm.nowNs()).toBeLessThan(1_000_000)
    expect(logs.some((l) => /lagged the host by 6\d{4} ms/.test(l.message))).toBe(true)
    host.ns += 200_000
    vm.runSlice()
    expect(ticks(vm).ticks).toBe(4)
  })

  it('yields to the host between batches of slices while the guest computes', () => {
    const host = fakeHost()
    let cpuRef: TestCpu | undefined
    const vm = createVm({
      ramBytes: 0x10000,
      cpu: (w) => {
        const cpu = new TestCpu(w, [{ op: 'nop' }, { op: 'jmp', to: 0 }])
        const run = cpu.run.bind(cpu)
        cpu.run = (max) => {
          host.ns += 1_000_000 // each slice takes 1 ms of host time
          return run(Math.min(max, 1000))
        }
        return (cpuRef = cpu)
      },
      time: { kind: 'realtime', host },
    })
    const { scheduler, queue } = manualScheduler()
    const runner = new VmRunner(vm, { scheduler, sliceMs: 5 })
    runner.start()
    queue.shift()!.cb()
    expect(cpuRef!.instructionsRetired).toBe(5000)
    expect(queue.length).toBe(1)
    expect(queue[0]!.ms).toBe(0)
    vm.pause()
    expect(queue.length).toBe(0)
    vm.resume()
    expect(queue.length).toBe(1)
    vm.powerOff()
    expect(runner.isActive).toBe(false)
  })
})
