// `boxmanage registervm <file>` and `unregistervm <vm> [--delete|--delete-all]` (VBoxManageMisc.cpp;
// vbox-api.md §5.4).
import type { Command } from 'commander'
import { CleanupMode } from '@boxwood/main-api/client'
import { findMachine, type CommandContext } from '../context'
import { onAction } from '../options'
import { showProgress } from '../progress'
import { resolve } from 'node:path'

/** Registers `registervm` and `unregistervm`. */
export function registerRegistervm(program: Command, ctx: CommandContext): void {
  const register = program
    .command('registervm')
    .description('registers a virtual machine from its settings file')
    .argument('<filename>', 'the .vbox file')
  onAction(register, async (file: string) => {
    const vbox = await ctx.vbox()
    const machine = await vbox.openMachine(resolve(file))
    await vbox.registerMachine(machine)
  })

  const unregister = program
    .command('unregistervm')
    .description('unregisters a virtual machine, optionally deleting its files')
    .argument('<vm>', 'name or UUID of the VM')
    .option('--delete', 'delete the settings file, logs and hard disks')
    .option('--delete-all', 'like --delete, and also delete DVD and floppy images attached only to it')
  onAction(unregister, async (vm: string, options: { delete?: boolean; deleteAll?: boolean }) => {
    const machine = await findMachine(ctx, vm)
    // VBoxManage always detaches everything; without --delete it closes the returned media (a medium another
    // machine still uses stays open: that error is ignored, as VBoxManage does) and keeps the files.
    const mode = options.deleteAll
      ? CleanupMode.DetachAllReturnHardDisksAndVMRemovable
      : CleanupMode.DetachAllReturnHardDisksOnly
    const media = await machine.unregister(mode)
    if (options.delete || options.deleteAll) await showProgress(ctx, await machine.deleteConfig(media))
    else for (const medium of media) await medium.close().catch(() => undefined)
  })
}
