// `boxmanage showvminfo <vm> [--details] [--machinereadable]` (VBoxManageInfo.cpp; vbox-api.md §5.3).
import type { Command } from 'commander'
import type { IMachine } from '@boxwood/main-api/client'
import { isOnlineState } from '@boxwood/main-api/client'
import { findMachine, withConsole, type CommandContext } from '../context'
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

/** The running VM's console facts (through a Shared lock), or undefined when it is not running. */
async function runtimeInfo(ctx: CommandContext, machine: IMachine): Promise<RuntimeInfo | undefined> {
  if (!isOnlineState(await machine.getState())) return undefined
  return withConsole(ctx, machine, async (console) => ({ vrdePort: (await console.getVRDEServerInfo()).port })).catch(
    () => undefined,
  )
}

/** Prints the key="value" form. */
export async function showVmInfoMachineReadable(ctx: CommandContext, machine: IMachine): Promise<void> {
  const fields = await collectVmInfo(await ctx.vbox(), machine, await runtimeInfo(ctx, machine))
  for (const field of fields)
    if (field.key !== '') ctx.print(machineReadableLine(field.key, field.value, field.quoteKey))
}

/** Prints the human-readable form. */
export async function showVmInfoHuman(ctx: CommandContext, machine: IMachine): Promise<void> {
  const fields = await collectVmInfo(await ctx.vbox(), machine, await runtimeInfo(ctx, machine))
  for (const field of fields) if (field.human) ctx.print(humanLine(field.human[0], field.human[1]))
  const tree = await snapshotTreeLines(machine, false)
  if (tree.length > 0) {
    ctx.print()
    ctx.print('Snapshots:')
    ctx.print()
    for (const line of tree) ctx.print(line)
  }
}
