// `boxmanage showvminfo <vm> [--details] [--machinereadable]` (VBoxManageInfo.cpp; vbox-api.md §5.3).
import type { Command } from 'commander'
import type { IMachine } from '@boxwood/main-api/client'
import { isOnlineState, LockType } from '@boxwood/main-api/client'
import { findMachine, type CommandContext } from '../context'
import { humanLine, machineReadableLine } from '../machinereadable'
import { onAction } from '../options'
import { snapshotTreeLines } from '../snapshot-tree'
import { collectVmInfo, type RuntimeInfo } from '../vm-info'

/** Registers `showvminfo`. */
export function registerShowvminfo(program: Command, ctx: CommandContext): void {
  const command = program
    .command('showvminfo')
    .description('shows the configuration and state of a virtual machine')
    .argument('<vm>', 'name or UUID of the VM')
    .option('--details', 'show more details')
    .option('--machinereadable', 'print key="value" lines for scripts')
  onAction(command, async (vm: string, options: { machinereadable?: boolean }) => {
    const machine = await findMachine(ctx, vm)
    if (options.machinereadable) await showVmInfoMachineReadable(ctx, machine)
    else await showVmInfoHuman(ctx, machine)
  })
}

/**
 * Runs `show` on the machine as VBoxManageInfo.cpp reads it: a running VM through a Shared lock, so that the
 * session's machine shows the settings the VM runs with (live VRDE changes included) and its console gives the
 * runtime facts; any other machine as it is registered.
 */
async function withView(
  ctx: CommandContext,
  machine: IMachine,
  show: (view: IMachine, runtime: RuntimeInfo | undefined) => Promise<void>,
): Promise<void> {
  if (!isOnlineState(await machine.getState())) return show(machine, undefined)
  const session = await (await ctx.client()).getSession()
  try {
    await machine.lockMachine(session, LockType.Shared)
  } catch {
    return show(machine, undefined)
  }
  try {
    const console = await session.getConsole()
    const runtime = console ? { vrdePort: (await console.getVRDEServerInfo()).port } : undefined
    await show(await session.getMachine(), runtime)
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}

/** Prints the key="value" form. */
export async function showVmInfoMachineReadable(ctx: CommandContext, machine: IMachine): Promise<void> {
  await withView(ctx, machine, async (view, runtime) => {
    const fields = await collectVmInfo(await ctx.vbox(), view, runtime)
    for (const field of fields)
      if (field.key !== '') ctx.print(machineReadableLine(field.key, field.value, field.quoteKey))
  })
}

/** Prints the human-readable form. */
export async function showVmInfoHuman(ctx: CommandContext, machine: IMachine): Promise<void> {
  await withView(ctx, machine, async (view, runtime) => {
    const fields = await collectVmInfo(await ctx.vbox(), view, runtime)
    for (const field of fields) if (field.human) ctx.print(humanLine(field.human[0], field.human[1]))
    const tree = await snapshotTreeLines(view, false)
    if (tree.length > 0) {
      ctx.print()
      ctx.print('Snapshots:')
      ctx.print()
      for (const line of tree) ctx.print(line)
    }
  })
}
