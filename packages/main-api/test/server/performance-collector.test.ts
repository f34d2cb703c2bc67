// The performance collector's registry: the host's metrics exist before setupMetrics (VirtualBox registers them
// when VBoxSVC starts) and collect nothing until set up; a machine has metrics only while it runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openVirtualBox, PlatformArchitecture } from '../../src/index'
import type { IVirtualBoxClient } from '../../src/index'
import { tempDir } from '../helpers'

describe('performance collector', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let client: IVirtualBoxClient
  beforeAll(async () => {
    dir = await tempDir('metrics')
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    await (await client.virtualBox.getSystemProperties()).setDefaultMachineFolder(join(dir.path, 'VMs'))
  })
  afterAll(async () => {
    await client.close()
    await dir.cleanup()
  })

  it('lists the host metrics before setupMetrics, with period and count 0 and no data', async () => {
    const perf = await client.virtualBox.getPerformanceCollector()
    const host = await client.virtualBox.getHost()
    const list = await perf.getMetrics([], [host])
    const names = list.map((m) => m.metricName)
    expect(names).toEqual(
      expect.arrayContaining(['CPU/Load/User', 'CPU/Load/User:avg', 'CPU/Load/Kernel:max', 'RAM/Usage/Used:min']),
    )
    expect(names).toContain('CPU/MHz')
    for (const m of list) expect([m.period, m.count]).toEqual([0, 0])
    const user = list.find((m) => m.metricName === 'CPU/Load/User')
    expect(user).toMatchObject({ unit: '%', minimumValue: 0, maximumValue: 100000 })
    expect((await perf.getMetrics(['RAM/Usage/Free:avg'], [])).map((m) => m.metricName)).toEqual(['RAM/Usage/Free:avg'])
    const data = await perf.queryMetricsData(['RAM/Usage/Used'], [host])
    expect(data.returnMetricNames).toEqual([
      'RAM/Usage/Used',
      'RAM/Usage/Used:avg',
      'RAM/Usage/Used:min',
      'RAM/Usage/Used:max',
    ])
    expect(data.returnDataLengths).toEqual([0, 0, 0, 0])
    // Enabling a metric that was never set up collects nothing: it has no period.
    await perf.enableMetrics(['RAM/Usage'], [host])
    expect((await perf.queryMetricsData(['RAM/Usage/Used:'], [host])).returnDataLengths).toEqual([0])
  })

  it('setupMetrics changes the registered metrics; a powered-off machine has none', async () => {
    const vbox = client.virtualBox
    const perf = await vbox.getPerformanceCollector()
    const host = await vbox.getHost()
    const m = await vbox.createMachine('', 'idle', PlatformArchitecture.x86, [], 'Other', '')
    await m.saveSettings()
    await vbox.registerMachine(m)
    expect(await perf.getMetrics([], [m])).toEqual([])
    expect(await perf.setupMetrics([], [m], 1, 2)).toEqual([])
    const changed = await perf.setupMetrics(['RAM/Usage'], [host], 2, 3)
    expect(changed.map((x) => [x.metricName, x.period, x.count])).toEqual([['RAM/Usage', 2, 3]])
    const total = await perf.getMetrics(['RAM/Usage/Total:'], [host])
    expect(total.map((x) => [x.metricName, x.period, x.count])).toEqual([['RAM/Usage/Total', 2, 3]])
    const data = await perf.queryMetricsData(['RAM/Usage/Total:'], [host])
    expect(data.returnDataLengths).toEqual([1])
    expect(data.returnData[0]).toBeGreaterThan(1024)
    const cpu = await perf.getMetrics(['CPU/Load/User:'], [host])
    expect(cpu.map((x) => [x.period, x.count])).toEqual([[0, 0]])
    await perf.disableMetrics([], [])
  })
})
