// `boxmanage metrics list|setup|query|enable|disable|collect [*|host|<vm> [<metric-list>]]`
// (VBoxManageMetrics.cpp; vbox-api.md §5.9, §6).
import type { Command } from 'commander'
import type { IHost, IMachine, IPerformanceCollector, MetricsData } from '@boxwood/main-api/client'
import { findMachine, type CommandContext } from '../context'
import { UsageError } from '../errors'
import { onAction, parseInteger } from '../options'

type MetricObject = IHost | IMachine

const SUBCOMMANDS = ['list', 'setup', 'query', 'enable', 'disable', 'collect'] as const

interface MetricsOptions {
  readonly period?: string
  readonly samples?: string
  readonly list?: boolean
  readonly detach?: boolean
  readonly rounds?: string
}

/** Registers `metrics`. */
export function registerMetrics(program: Command, ctx: CommandContext): void {
  const command = program
    .command('metrics')
    .description('host and VM performance metrics')
    .usage(`${SUBCOMMANDS.join('|')} [--period <s>] [--samples <n>] [--list] [--detach] [*|host|<vm> [<metric-list>]]`)
    .argument('<subcommand>', SUBCOMMANDS.join('|'))
    .argument('[object]', '* (everything), host or a VM name/UUID', '*')
    .argument('[metrics]', 'comma-separated metric names, wildcards allowed (CPU/Load/User:avg, CPU/*)')
    .option('--period <seconds>', 'sampling period', '1')
    .option('--samples <count>', 'samples kept per metric', '1')
    .option('--list', 'list the metrics the command applies to')
    .option('--detach', 'collect: set up the metrics and return')
    .option('--rounds <n>', 'collect: stop after n periods (default: until interrupted)')
  onAction(command, async (sub: string, object: string, metrics: string | undefined, o: MetricsOptions) => {
    const name = SUBCOMMANDS.find((s) => s === sub.toLowerCase())
    if (!name) throw new UsageError(`Invalid parameter '${sub}'`)
    const period = parseInteger(o.period ?? '1', '--period', 1)
    const samples = parseInteger(o.samples ?? '1', '--samples', 1)
    const vbox = await ctx.vbox()
    const collector = await vbox.getPerformanceCollector()
    const objects: MetricObject[] =
      object === '*' ? [] : object.toLowerCase() === 'host' ? [await vbox.getHost()] : [await findMachine(ctx, object)]
    const names = metrics ? metrics.split(',').filter((m) => m !== '') : []
    switch (name) {
      case 'list': {
        const list = await collector.getMetrics(names, objects)
        ctx.print(
          `${'Object'.padEnd(10)} ${'Metric'.padEnd(20)} ${'Unit'.padEnd(4)} ${'Minimum'.padStart(10)} ${'Maximum'.padStart(10)} ${'Period'.padStart(10)} ${'Count'.padStart(10)} Description`,
        )
        ctx.print(
          `${'-'.repeat(10)} ${'-'.repeat(20)} ${'-'.repeat(4)} ${'-'.repeat(10)} ${'-'.repeat(10)} ${'-'.repeat(10)} ${'-'.repeat(10)} ${'-'.repeat(11)}`,
        )
        for (const m of list)
          ctx.print(
            `${(await objectName(m.object)).padEnd(10)} ${m.metricName.padEnd(20)} ${m.unit.padEnd(4)} ${String(m.minimumValue).padStart(10)} ${String(m.maximumValue).padStart(10)} ${String(m.period).padStart(10)} ${String(m.count).padStart(10)} ${m.description}`,
          )
        return
      }
      case 'setup':
      case 'enable':
      case 'disable': {
        const affected =
          name === 'setup'
            ? await collector.setupMetrics(names, objects, period, samples)
            : name === 'enable'
              ? await collector.enableMetrics(names, objects)
              : await collector.disableMetrics(names, objects)
        if (o.list) await printAffected(ctx, affected)
        return
      }
      case 'query':
        return printQuery(ctx, await collector.queryMetricsData(names, objects))
      case 'collect': {
        const affected = await collector.setupMetrics(names, objects, period, samples)
        if (o.list) await printAffected(ctx, affected)
        if (o.detach) return
        const rounds = o.rounds === undefined ? Number.POSITIVE_INFINITY : parseInteger(o.rounds, '--rounds', 1)
        ctx.print(`${'Time stamp'.padEnd(12)} ${'Object'.padEnd(10)} ${'Metric'.padEnd(25)} Value`)
        for (let round = 0; round < rounds; round++) {
          await new Promise((r) => setTimeout(r, period * 1000))
          await printCollected(ctx, collector, names, objects)
        }
        return
      }
    }
  })
}

/** `host` or the machine's name. Service proxies answer every property, so the interface name decides. */
async function objectName(object: MetricObject): Promise<string> {
  return (object as { interfaceName?: string }).interfaceName === 'IMachine' ? (object as IMachine).getName() : 'host'
}

async function printAffected(
  ctx: CommandContext,
  affected: { metricName: string; object: MetricObject }[],
): Promise<void> {
  ctx.print('The following metrics were modified:')
  ctx.print()
  ctx.print(`${'Object'.padEnd(10)} Metric`)
  ctx.print(`${'-'.repeat(10)} ${'-'.repeat(20)}`)
  for (const m of affected) ctx.print(`${(await objectName(m.object)).padEnd(10)} ${m.metricName}`)
}

/** One metric's values as VBoxManage prints them: scaled percentages with two decimals, units appended. */
function formatValues(data: MetricsData, i: number): string {
  const start = data.returnDataIndices[i] ?? 0
  const length = data.returnDataLengths[i] ?? 0
  const scale = data.returnScales[i] ?? 1
  const unit = data.returnUnits[i] ?? ''
  const values: string[] = []
  for (let j = start; j < start + length; j++) {
    const v = data.returnData[j] ?? 0
    values.push(scale === 1 ? `${v} ${unit}` : `${(v / scale).toFixed(2)}${unit}`)
  }
  return values.join(', ')
}

async function printQuery(ctx: CommandContext, data: MetricsData): Promise<void> {
  ctx.print(`${'Object'.padEnd(10)} ${'Metric'.padEnd(25)} Values`)
  ctx.print(`${'-'.repeat(10)} ${'-'.repeat(25)} ${'-'.repeat(15)}`)
  for (const [i, metric] of data.returnMetricNames.entries()) {
    const object = data.returnObjects[i]
    ctx.print(`${(object ? await objectName(object) : '?').padEnd(10)} ${metric.padEnd(25)} ${formatValues(data, i)}`)
  }
}

async function printCollected(
  ctx: CommandContext,
  collector: IPerformanceCollector,
  names: string[],
  objects: MetricObject[],
): Promise<void> {
  const data = await collector.queryMetricsData(names, objects)
  const stamp = new Date().toISOString().slice(11, 23)
  for (const [i, metric] of data.returnMetricNames.entries()) {
    const object = data.returnObjects[i]
    // Like VBoxManage, collect prints the newest sample of each metric.
    const start = data.returnDataIndices[i] ?? 0
    const length = data.returnDataLengths[i] ?? 0
    if (length === 0) continue
    const last = {
      ...data,
      returnDataIndices: [start + length - 1],
      returnDataLengths: [1],
      returnScales: [data.returnScales[i] ?? 1],
      returnUnits: [data.returnUnits[i] ?? ''],
    }
    ctx.print(
      `${stamp.padEnd(12)} ${(object ? await objectName(object) : '?').padEnd(10)} ${metric.padEnd(25)} ${formatValues(last, 0)}`,
    )
  }
}
