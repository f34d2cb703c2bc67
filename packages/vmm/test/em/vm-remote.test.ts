import { afterEach, describe, expect, it } from 'vitest'
import { RemoteVm, RemoteVmError, VmRunner, createVm, serveVm } from '../../src/index'
import type { PortLike } from '../../src/index'
import { TestCpu } from './test-cpu'
import { control, edgePic, ticker } from './test-devices'

const channels: InstanceType<typeof MessageChannel>[] = []
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close()
    c.port2.close()
  }
})

function served(sharedMemory: boolean) {
  const channel = new MessageChannel()
  channels.push(channel)
  const vm = createVm({
    ramBytes: 0x10000,
    sharedMemory,
    devices: [{ definition: edgePic }, { definition: ticker }, { definition: control }],
    cpu: (w) =>
      new TestCpu(w, [{ op: 'out', port: 0x40, value: 100 }, { op: 'sti' }, { op: 'hlt' }, { op: 'jmp', to: 2 }], 2),
  })
  const runner = new VmRunner(vm)
  serveVm(vm, channel.port1 as unknown as PortLike, () => runner.start())
  const remote = new RemoteVm(channel.port2 as unknown as PortLike)
  return { vm, runner, remote }
}

describe('RemoteVm / serveVm', () => {
  it('drives a machine through messages, with state events and shared RAM', async () => {
    const { vm, runner, remote } = served(true)
    await remote.whenReady()
    expect(remote.state).toBe('created')
    const states: string[] = []
    remote.onStateChange((s) => states.push(s))
    await remote.powerOn()
    expect(runner.isActive).toBe(true)
    await remote.pause()
    const saved = await remote.saveState()
    expect(saved).toBeInstanceOf(Uint8Array)
    expect(saved.length).toBeGreaterThan(40)
    vm.memory.ram[0x123] = 0x5a
    expect(remote.ram?.[0x123]).toBe(0x5a)
    await remote.loadState(saved)
    const status = await remote.status()
    expect(status.state).toBe('paused')
    await remote.powerOff()
    await new Promise((r) => setTimeout(r, 0))
    expect(states).toEqual(['running', 'paused', 'powered-off'])
    runner.stop()
    remote.close()
  })

  it('re-creates emulation-side errors with their name and code; RAM is not shared without sharedMemory', async () => {
    const { remote } = served(false)
    await remote.whenReady()
    expect(remote.ram).toBeUndefined()
    const error = await remote.pause().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteVmError)
    expect(error).toMatchObject({ remoteName: 'VmStateError', code: 'VM_STATE' })
    const bad = await remote.loadState(new Uint8Array([1, 2, 3])).catch((e: unknown) => e)
    expect(bad).toMatchObject({ remoteName: 'SavedStateFormatError', code: 'SAVED_STATE_TRUNCATED' })
    remote.close()
  })
})
