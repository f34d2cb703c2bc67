// IPerformanceCollector: host CPU and RAM, and per running VM the VM process's CPU share, resident memory and
// disk usage, sampled every `period` seconds into a ring of `count` samples (VirtualBox PerformanceImpl.cpp and
// Performance.cpp; vbox-api.md §2.14, §6).
import { cpus, freemem, totalmem } from 'node:os'
import { VBoxError } from '../api/errors'
import type { IHost, IMachine, IPerformanceCollector, IPerformanceMetric, MetricsData } from '../api/interfaces'
import { ApiObject } from '../server/api-object'
import type { MachineImpl } from '../server/machine'
import { AGGREGATES, baseMatches, metricMatches, type Aggregate } from './metric-names'

type MetricObject = IHost | IMachine

interface BaseMetricDef {
  readonly base: string
  readonly description: string
  readonly unit: string
  readonly scale: number
  readonly min: number
  readonly max: number
  readonly subs: readonly string[]
  readonly target: 'host' | 'vm'
}

const PERCENT = { unit: '%', scale: 1000, min: 0, max: 100000 }

/** Every base metric Boxwood collects. */
export const baseMetrics: readonly BaseMetricDef[] = [
  {
    base: 'CPU/Load',
    description: 'Percentage of processor time spent in user mode, kernel mode and idle.',
    ...PERCENT,
    subs: ['CPU/Load/User', 'CPU/Load/Kernel', 'CPU/Load/Idle'],
    target: 'host',
  },
  {
    base: 'CPU/MHz',
    description: 'Average of current frequency of all processors.',
    unit: 'MHz',
    scale: 1,
    min: 0,
    max: 2 ** 31 - 1,
    subs: ['CPU/MHz'],
    target: 'host',
  },
  {
    base: 'RAM/Usage',
    description: 'Total, used and free physical memory.',
    unit: 'kB',
    scale: 1,
    min: 0,
    max: 2 ** 31 - 1,
    subs: ['RAM/Usage/Total', 'RAM/Usage/Used', 'RAM/Usage/Free'],
    target: 'host',
  },
  {
    base: 'CPU/Load',
    description: 'Percentage of host processor time the VM process spent in user and kernel mode.',
    ...PERCENT,
    subs: ['CPU/Load/User', 'CPU/Load/Kernel'],
    target: 'vm',
  },
  {
    base: 'RAM/Usage',
    description: 'Resident memory of the VM process.',
    unit: 'kB',
    scale: 1,
    min: 0,
    max: 2 ** 31 - 1,
    subs: ['RAM/Usage/Used'],
    target: 'vm',
  },
  {
    base: 'Disk/Usage',
    description: 'Space taken on the host by the disks of the VM.',
    unit: 'MB',
    scale: 1,
    min: 0,
    max: 2 ** 31 - 1,
    subs: ['Disk/Usage/Used'],
    target: 'vm',
  },
]

interface MetricInstance {
  readonly def: BaseMetricDef
  readonly object: MetricObject
  period: number
  count: number
  enabled: boolean
  readonly samples: Map<string, number[]>
  sequence: number
  timer: NodeJS.Timeout | undefined
  last: {
    cpu?: { user: number; sys: number; idle: number; total: number }
    vm?: { user: number; sys: number; at: number }
  }
}

/** The performance collector. Host is an IHost; machines are the registry's Machine objects. */
export class PerformanceCollectorImpl extends ApiObject implements IPerformanceCollector {
  readonly interfaceName = 'IPerformanceCollector'
  private readonly host: IHost
  private readonly machines: () => MachineImpl[]
  private readonly instances: MetricInstance[] = []

  constructor(host: IHost, machines: () => MachineImpl[]) {
    super()
    this.host = host
    this.machines = machines
    // The host's metrics exist from the start (HostImpl::i_registerMetrics at VBoxSVC start-up); like every metric
    // they collect nothing (period 0, count 0) until setupMetrics.
    for (const def of baseMetrics) if (def.target === 'host') this.instances.push(newInstance(def, host))
  }

  /**
   * The registered metrics: the host's, plus those of every running VM (VirtualBox registers a VM's metrics when
   * it powers on and drops them when it stops).
   */
  private registered(): MetricInstance[] {
    const running = this.machines().filter((m) => m._core.vm !== undefined)
    for (let i = this.instances.length - 1; i >= 0; i--) {
      const instance = this.instances[i] as MetricInstance
      if (instance.def.target !== 'vm' || running.includes(instance.object as MachineImpl)) continue
      if (instance.timer) clearInterval(instance.timer)
      this.instances.splice(i, 1)
    }
    for (const machine of running)
      for (const def of baseMetrics)
        if (def.target === 'vm' && !this.instances.some((i) => i.def === def && i.object === machine))
          this.instances.push(newInstance(def, machine))
    return this.instances
  }

  async getMetricNames() {
    const names = new Set<string>()
    for (const d of baseMetrics) for (const s of d.subs) names.add(s)
    return [...names]
  }

  /** One entry per sub-metric and aggregate (`CPU/Load/User`, `CPU/Load/User:avg`…), as VirtualBox's metric list. */
  async getMetrics(metricNames: string[], objects: MetricObject[]): Promise<IPerformanceMetric[]> {
    const wanted = this.objects(objects)
    const out: IPerformanceMetric[] = []
    for (const i of this.registered()) {
      if (!wanted.includes(i.object)) continue
      for (const sub of i.def.subs)
        for (const aggregate of [undefined, ...AGGREGATES] as Array<Aggregate | undefined>) {
          if (metricNames.length > 0 && !metricNames.some((p) => metricMatches(p, i.def.base, sub, aggregate))) continue
          out.push({ ...this.describe(i), metricName: aggregate ? `${sub}:${aggregate}` : sub })
        }
    }
    return out
  }

  async setupMetrics(
    metricNames: string[],
    objects: MetricObject[],
    period: number,
    count: number,
  ): Promise<IPerformanceMetric[]> {
    if (!Number.isInteger(period) || period < 1)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid sampling period ${period} (at least 1 second)`,
        'PerformanceCollector',
      )
    if (!Number.isInteger(count) || count < 1)
      throw new VBoxError('E_INVALIDARG', `Invalid sample count ${count}`, 'PerformanceCollector')
    const out: IPerformanceMetric[] = []
    for (const instance of this.select(metricNames, objects)) {
      instance.period = period
      instance.count = count
      instance.enabled = true
      for (const list of instance.samples.values()) list.length = 0
      this.schedule(instance)
      out.push(this.describe(instance))
    }
    return out
  }

  async enableMetrics(metricNames: string[], objects: MetricObject[]): Promise<IPerformanceMetric[]> {
    const selected = this.select(metricNames, objects)
    for (const i of selected) {
      i.enabled = true
      this.schedule(i)
    }
    return selected.map((i) => this.describe(i))
  }

  async disableMetrics(metricNames: string[], objects: MetricObject[]): Promise<IPerformanceMetric[]> {
    const selected = this.select(metricNames, objects)
    for (const i of selected) {
      i.enabled = false
      if (i.timer) clearInterval(i.timer)
      i.timer = undefined
    }
    return selected.map((i) => this.describe(i))
  }

  async queryMetricsData(metricNames: string[], objects: MetricObject[]): Promise<MetricsData> {
    const wanted = this.objects(objects)
    const data: MetricsData = {
      returnMetricNames: [],
      returnObjects: [],
      returnUnits: [],
      returnScales: [],
      returnSequenceNumbers: [],
      returnDataIndices: [],
      returnDataLengths: [],
      returnData: [],
    }
    for (const i of this.registered()) {
      if (!wanted.includes(i.object)) continue
      for (const sub of i.def.subs) {
        const samples = i.samples.get(sub) ?? []
        for (const aggregate of [undefined, ...AGGREGATES] as Array<Aggregate | undefined>) {
          if (metricNames.length > 0 && !metricNames.some((p) => metricMatches(p, i.def.base, sub, aggregate))) continue
          const values =
            aggregate === undefined ? samples : samples.length === 0 ? [] : [aggregateOf(samples, aggregate)]
          data.returnMetricNames.push(aggregate ? `${sub}:${aggregate}` : sub)
          data.returnObjects.push(i.object)
          data.returnUnits.push(i.def.unit)
          data.returnScales.push(i.def.scale)
          data.returnSequenceNumbers.push(i.sequence)
          data.returnDataIndices.push(data.returnData.length)
          data.returnDataLengths.push(values.length)
          data.returnData.push(...values)
        }
      }
    }
    return data
  }

  /** Internal: stops every sampling timer (service shutdown). */
  _shutdown(): void {
    for (const i of this.instances) if (i.timer) clearInterval(i.timer)
  }

  /** Internal: takes one sample of every enabled metric now (also used by the timers). */
  _sample(instance: MetricInstance): void {
    const def = instance.def
    const push = (sub: string, value: number) => {
      const list = instance.samples.get(sub) as number[]
      list.push(Math.max(def.min, Math.min(def.max, Math.round(value))))
      while (list.length > instance.count) list.shift()
    }
    if (def.target === 'host') {
      if (def.base === 'CPU/Load') {
        const now = cpuTimes()
        const last = instance.last.cpu
        instance.last.cpu = now
        if (!last) return
        const total = now.total - last.total || 1
        push('CPU/Load/User', ((now.user - last.user) * 100000) / total)
        push('CPU/Load/Kernel', ((now.sys - last.sys) * 100000) / total)
        push('CPU/Load/Idle', ((now.idle - last.idle) * 100000) / total)
      } else if (def.base === 'CPU/MHz') {
        const list = cpus()
        push('CPU/MHz', list.reduce((n, c) => n + c.speed, 0) / (list.length || 1))
      } else {
        const total = totalmem() / 1024
        const free = freemem() / 1024
        push('RAM/Usage/Total', total)
        push('RAM/Usage/Used', total - free)
        push('RAM/Usage/Free', free)
      }
    } else {
      const core = (instance.object as MachineImpl)._core
      const vm = core.vm as
        { usage?: Array<{ cpuUserUs: number; cpuSystemUs: number; rssBytes: number; at: number }> } | undefined
      const usage = vm?.usage?.at(-1)
      if (def.base === 'Disk/Usage') {
        let bytes = 0
        for (const c of core.settings.hardware.storageControllers)
          for (const a of c.attachments) {
            for (let m = a.mediumId ? core.vbox._findMedium(a.mediumId) : undefined; m; m = m._parent)
              if (m._deviceType === 3) bytes += m._size
          }
        push('Disk/Usage/Used', bytes / (1024 * 1024))
        return
      }
      // VM metrics exist only while the VM runs (VirtualBox registers them at power-on).
      if (!usage) return
      if (def.base === 'RAM/Usage') {
        push('RAM/Usage/Used', usage.rssBytes / 1024)
        return
      }
      const last = instance.last.vm
      instance.last.vm = { user: usage.cpuUserUs, sys: usage.cpuSystemUs, at: usage.at }
      if (!last || usage.at <= last.at) return
      const capacityUs = (usage.at - last.at) * 1000 * (cpus().length || 1)
      push('CPU/Load/User', ((usage.cpuUserUs - last.user) * 100000) / capacityUs)
      push('CPU/Load/Kernel', ((usage.cpuSystemUs - last.sys) * 100000) / capacityUs)
    }
    instance.sequence++
  }

  private schedule(instance: MetricInstance): void {
    if (instance.timer) clearInterval(instance.timer)
    instance.timer = undefined
    // A metric that was never set up has no period: enabling it collects nothing (as in VirtualBox).
    if (instance.period <= 0) return
    this._sample(instance)
    instance.timer = setInterval(() => this._sample(instance), instance.period * 1000)
    instance.timer.unref()
  }

  private objects(objects: MetricObject[]): MetricObject[] {
    const all: MetricObject[] = [this.host, ...this.machines()]
    if (objects.length === 0) return all
    return objects.map((o) => {
      if (o === this.host) return o
      const match = this.machines().find((m) => m === o || (o as Partial<MachineImpl>)._core === m._core)
      if (!match)
        throw new VBoxError(
          'E_INVALIDARG',
          'Metrics can only be collected for the host or registered machines',
          'PerformanceCollector',
        )
      return match
    })
  }

  private select(metricNames: string[], objects: MetricObject[]): MetricInstance[] {
    const wanted = this.objects(objects)
    return this.registered().filter(
      (i) =>
        wanted.includes(i.object) &&
        (metricNames.length === 0 || metricNames.some((p) => baseMatches(p, i.def.base, i.def.subs))),
    )
  }

  private describe(i: MetricInstance): IPerformanceMetric {
    return {
      metricName: i.def.base,
      object: i.object,
      description: i.def.description,
      period: i.period,
      count: i.count,
      unit: i.def.unit,
      minimumValue: i.def.min,
      maximumValue: i.def.max,
    }
  }
}

function newInstance(def: BaseMetricDef, object: MetricObject): MetricInstance {
  return {
    def,
    object,
    period: 0,
    count: 0,
    enabled: false,
    samples: new Map(def.subs.map((sub) => [sub, []])),
    sequence: 0,
    timer: undefined,
    last: {},
  }
}

function cpuTimes() {
  let user = 0
  let sys = 0
  let idle = 0
  let total = 0
  for (const c of cpus()) {
    user += c.times.user + c.times.nice
    sys += c.times.sys + c.times.irq
    idle += c.times.idle
    total += c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle
  }
  return { user, sys, idle, total }
}

function aggregateOf(samples: readonly number[], aggregate: Aggregate): number {
  if (aggregate === 'min') return Math.min(...samples)
  if (aggregate === 'max') return Math.max(...samples)
  return Math.round(samples.reduce((n, v) => n + v, 0) / samples.length)
}
