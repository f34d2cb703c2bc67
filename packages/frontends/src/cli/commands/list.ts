// `boxmanage list`: registered VMs, running VMs, OS types, media, host information and system properties
// (VBoxManageList.cpp; vbox-api.md §5.2).
import { isOnlineState } from '@boxwood/main-api/client'
import type { Command } from 'commander'
import type { IMachine, IMedium } from '@boxwood/main-api/client'
import type { CommandContext } from '../context'
import { UsageError } from '../errors'
import { formatRows, mediumRows } from '../medium-info'
import { onAction } from '../options'
import { showVmInfoHuman } from './showvminfo'

const LISTS = ['vms', 'runningvms', 'ostypes', 'hdds', 'dvds', 'floppies', 'hostinfo', 'systemproperties'] as const
type ListName = (typeof LISTS)[number]

interface ListOptions {
  readonly long?: boolean
  readonly sorted?: boolean
}

/** Registers `list`. */
export function registerList(program: Command, ctx: CommandContext): void {
  const command = program
    .command('list')
    .description('lists registered VMs, media, OS types and host information')
    .usage(`[--long|-l] [--sorted|-s] ${LISTS.join('|')}`)
    .argument('<what>', LISTS.join('|'))
    .option('-l, --long', 'show details')
    .option('-s, --sorted', 'sort the list by name')
  onAction(command, async (what: string, options: ListOptions) => {
    const name = LISTS.find((l) => l === what.toLowerCase())
    if (!name) throw new UsageError(`Unknown subcommand '${what}' for 'list'`)
    await runList(ctx, name, options)
  })
}

async function runList(ctx: CommandContext, what: ListName, options: ListOptions): Promise<void> {
  const vbox = await ctx.vbox()
  switch (what) {
    case 'vms':
    case 'runningvms': {
      let machines = await vbox.getMachines()
      if (what === 'runningvms') {
        const states = await vbox.getMachineStates(machines)
        machines = machines.filter((_, i) => isOnlineState(states[i] ?? 0))
      }
      const rows = await Promise.all(machines.map(async (m) => ({ machine: m, ...(await machineLabel(m)) })))
      if (options.sorted) rows.sort((a, b) => a.name.localeCompare(b.name))
      for (const row of rows) {
        if (options.long) {
          await showVmInfoHuman(ctx, row.machine)
          ctx.print()
        } else ctx.print(`"${row.name}" {${row.id}}`)
      }
      return
    }
    case 'ostypes': {
      const types = await vbox.getGuestOSTypes()
      if (options.sorted) types.sort((a, b) => a.id.localeCompare(b.id))
      for (const t of types) {
        ctx.print(`ID:          ${t.id}`)
        ctx.print(`Description: ${t.description}`)
        ctx.print(`Family ID:   ${t.familyId}`)
        ctx.print(`Family Desc: ${t.familyDescription}`)
        ctx.print(`OS Subtype:  ${t.subtype}`)
        ctx.print(`Architecture: x86`)
        ctx.print(`64 bit:      ${t.is64Bit}`)
        ctx.print()
      }
      return
    }
    case 'hdds':
    case 'dvds':
    case 'floppies': {
      const media =
        what === 'hdds'
          ? await vbox.getHardDisks()
          : what === 'dvds'
            ? await vbox.getDVDImages()
            : await vbox.getFloppyImages()
      const all = what === 'hdds' ? await withChildren(media) : media
      const described = await Promise.all(all.map(async (m) => ({ location: await m.getLocation(), medium: m })))
      if (options.sorted) described.sort((a, b) => a.location.localeCompare(b.location))
      for (const { medium } of described) {
        let rows = await mediumRows(vbox, medium, options.long ?? false)
        // Parent UUID and Type rows only make sense for hard disks.
        if (what !== 'hdds') rows = rows.filter(([label]) => label !== 'Parent UUID:' && label !== 'Encryption:')
        ctx.print(formatRows(rows))
        ctx.print()
      }
      return
    }
    case 'hostinfo':
      return listHostInfo(ctx)
    case 'systemproperties':
      return listSystemProperties(ctx)
  }
}

/** Hard disks are listed with their differencing children, as VirtualBox walks the medium tree. */
async function withChildren(media: IMedium[]): Promise<IMedium[]> {
  const out: IMedium[] = []
  const visit = async (m: IMedium) => {
    out.push(m)
    for (const child of await m.getChildren()) await visit(child)
  }
  for (const m of media) await visit(m)
  return out
}

async function machineLabel(machine: IMachine): Promise<{ name: string; id: string }> {
  const [accessible, id] = await Promise.all([machine.getAccessible(), machine.getId()])
  return { name: accessible ? await machine.getName() : '<inaccessible>', id }
}

async function listHostInfo(ctx: CommandContext): Promise<void> {
  const host = await (await ctx.vbox()).getHost()
  const [time, online, count, cores, speed, description, memory, available, os, version] = await Promise.all([
    host.getUTCTime(),
    host.getProcessorOnlineCount(),
    host.getProcessorCount(),
    host.getProcessorCoreCount(),
    host.getProcessorSpeed(0),
    host.getProcessorDescription(0),
    host.getMemorySize(),
    host.getMemoryAvailable(),
    host.getOperatingSystem(),
    host.getOSVersion(),
  ])
  ctx.print('Host Information:')
  ctx.print()
  ctx.print(`Host time: ${new Date(time).toISOString()}`)
  ctx.print(`Processor online count: ${online}`)
  ctx.print(`Processor count: ${count}`)
  ctx.print(`Processor online core count: ${cores}`)
  ctx.print(`Processor core count: ${cores}`)
  // Boxwood emulates the CPU in software: no host virtualization extensions are used.
  ctx.print('Processor supports HW virtualization: no')
  ctx.print(`Processor#0 speed: ${speed} MHz`)
  ctx.print(`Processor#0 description: ${description}`)
  ctx.print(`Memory size: ${memory} MByte`)
  ctx.print(`Memory available: ${available} MByte`)
  ctx.print(`Operating system: ${os}`)
  ctx.print(`Operating system version: ${version}`)
}

async function listSystemProperties(ctx: CommandContext): Promise<void> {
  const vbox = await ctx.vbox()
  const p = await vbox.getSystemProperties()
  const rows: [string, string | number][] = [
    ['API version:', await vbox.getAPIVersion()],
    ['Minimum guest RAM size:', `${await p.getMinGuestRAM()} Megabytes`],
    ['Maximum guest RAM size:', `${await p.getMaxGuestRAM()} Megabytes`],
    ['Minimum video RAM size:', `${await p.getMinGuestVRAM()} Megabytes`],
    ['Maximum video RAM size:', `${await p.getMaxGuestVRAM()} Megabytes`],
    ['Maximum guest monitor count:', await p.getMaxGuestMonitors()],
    ['Minimum guest CPU count:', await p.getMinGuestCPUCount()],
    ['Maximum guest CPU count:', await p.getMaxGuestCPUCount()],
    ['Virtual disk limit (info):', `${await p.getInfoVDSize()} Bytes`],
    ['Maximum Serial Port count:', await p.getSerialPortCount()],
    ['Maximum Boot Position:', await p.getMaxBootPosition()],
    ['Default machine folder:', await p.getDefaultMachineFolder()],
    ['Raw-mode Supported:', 'no'],
    ['Exclusive HW virtualization use:', 'off'],
    ['Default hard disk format:', await p.getDefaultHardDiskFormat()],
    ['VRDE auth library:', await p.getVRDEAuthLibrary()],
    ['Log history count:', await p.getLogHistoryCount()],
    ['Default frontend:', (await p.getDefaultFrontend()) || 'default'],
  ]
  for (const [label, value] of rows) ctx.print(`${label.padEnd(33)}${value}`)
}
