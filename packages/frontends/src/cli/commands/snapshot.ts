// `boxmanage snapshot <vm> take|delete|restore|restorecurrent|list|showvminfo|edit …` (VBoxManageSnapshot.cpp;
// vbox-api.md §5.7). Snapshots are offline in Boxwood: the machine is changed under a Write lock.
import type { Command } from 'commander'
import type { IMachine } from '@boxwood/main-api/client'
import { findMachine, withWriteLock, type CommandContext } from '../context'
import { CommandError, QuietFailure, UsageError } from '../errors'
import { machineReadableLine } from '../machinereadable'
import { onAction } from '../options'
import { showProgress } from '../progress'
import { snapshotTreeLines } from '../snapshot-tree'
import { collectVmInfo } from '../vm-info'
import { showVmInfoHuman } from './showvminfo'

interface SnapshotOptions {
  readonly description?: string
  readonly live?: boolean
  readonly uniquename?: string
  readonly details?: boolean
  readonly machinereadable?: boolean
  readonly name?: string
  readonly current?: boolean
}

const ARITY: Readonly<Record<string, [number, number]>> = {
  take: [1, 1],
  delete: [1, 1],
  restore: [1, 1],
  restorecurrent: [0, 0],
  list: [0, 0],
  showvminfo: [1, 1],
  edit: [0, 1],
}

/** Registers `snapshot`. */
export function registerSnapshot(program: Command, ctx: CommandContext): void {
  const command = program
    .command('snapshot')
    .description('takes, restores, deletes and lists snapshots')
    .usage(
      '<vm> take <name> [--description <d>] [--live] | delete <name|uuid> | restore <name|uuid> | restorecurrent | list [--details|--machinereadable] | showvminfo <name|uuid> | edit <name|uuid>|--current [--name <n>] [--description <d>]',
    )
    .argument('<vm>', 'name or UUID of the VM')
    .argument('<subcommand>', Object.keys(ARITY).join('|'))
    .argument('[args...]', 'arguments of the subcommand')
    .option('--description <text>', 'snapshot description (take, edit)')
    .option('--live', 'take the snapshot while the VM runs (not supported yet)')
    .option('--uniquename <flags>', 'Number,Timestamp,Space,Force: make the name unique')
    .option('--details', 'list: show descriptions')
    .option('--machinereadable', 'list: key="value" output')
    .option('--name <name>', 'edit: new name')
    .option('--current', 'edit: the current snapshot')
  onAction(command, async (vm: string, sub: string, args: string[], o: SnapshotOptions) => {
    const name = sub.toLowerCase()
    const arity = ARITY[name]
    if (!arity) throw new UsageError(`Invalid parameter '${sub}'`)
    if (args.length < arity[0] || args.length > arity[1])
      throw new UsageError(`Wrong number of arguments for 'snapshot ${name}'`)
    const machine = await findMachine(ctx, vm)
    const arg = args[0] ?? ''
    switch (name) {
      case 'take': {
        if (o.live) throw new CommandError('Live snapshots are not supported by Boxwood yet (no VMM saved state)')
        const snapName = o.uniquename ? await uniqueName(machine, arg, o.uniquename) : arg
        const id = await withWriteLock(ctx, machine, async (m) => {
          const [progress, snapshotId] = await m.takeSnapshot(snapName, o.description ?? '', true)
          await showProgress(ctx, progress)
          return snapshotId
        })
        ctx.print(`Snapshot taken. UUID: ${id}`)
        return
      }
      case 'delete':
      case 'restore':
      case 'restorecurrent':
        await withWriteLock(ctx, machine, async (m) => {
          const snap = name === 'restorecurrent' ? await m.getCurrentSnapshot() : await m.findSnapshot(arg)
          if (!snap) throw new CommandError('This machine does not have any snapshots')
          const label = `'${await snap.getName()}' (${await snap.getId()})`
          if (name === 'delete') {
            ctx.print(`Deleting snapshot ${label}`)
            await showProgress(ctx, await m.deleteSnapshot(await snap.getId()))
          } else {
            ctx.print(`Restoring snapshot ${label}`)
            await showProgress(ctx, await m.restoreSnapshot(snap))
          }
        })
        return
      case 'list': {
        if (o.machinereadable) {
          const fields = await collectVmInfo(await ctx.vbox(), machine)
          const snaps = fields.filter((f) => /^(Current)?Snapshot/.test(f.key))
          if (snaps.length === 0) {
            ctx.print('This machine does not have any snapshots')
            throw new QuietFailure()
          }
          for (const f of snaps) ctx.print(machineReadableLine(f.key, f.value))
          return
        }
        const lines = await snapshotTreeLines(machine, o.details ?? false)
        if (lines.length === 0) {
          ctx.print('This machine does not have any snapshots')
          throw new QuietFailure()
        }
        for (const line of lines) ctx.print(line)
        return
      }
      case 'showvminfo': {
        const snap = await machine.findSnapshot(arg)
        await showVmInfoHuman(ctx, await snap.getMachine())
        return
      }
      case 'edit': {
        if (!o.current && arg === '') throw new UsageError("'snapshot edit' needs a snapshot name or --current")
        await withWriteLock(ctx, machine, async (m) => {
          const snap = o.current ? await m.getCurrentSnapshot() : await m.findSnapshot(arg)
          if (!snap) throw new CommandError('This machine does not have any snapshots')
          if (o.name !== undefined) await snap.setName(o.name)
          if (o.description !== undefined) await snap.setDescription(o.description)
        })
        return
      }
    }
  })
}

/** VBoxManage's --uniquename: appends a number (or a time stamp) until no snapshot has the name. */
async function uniqueName(machine: IMachine, base: string, flags: string): Promise<string> {
  const exists = async (n: string) =>
    machine.findSnapshot(n).then(
      () => true,
      () => false,
    )
  if (!(await exists(base))) return base
  const space = /space/i.test(flags) ? ' ' : ''
  if (/timestamp/i.test(flags)) return `${base}${space}${new Date().toISOString()}`
  for (let i = 1; ; i++) if (!(await exists(`${base}${space}${i}`))) return `${base}${space}${i}`
}
