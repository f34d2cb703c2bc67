// `boxmanage startvm <vm>... [--type headless] [--putenv NAME[=VALUE]]` (VBoxManageMisc.cpp handleStartVM;
// vbox-api.md §1.3, §5.4). Boxwood has only the headless frontend so far; gui/sdl/separate are refused.
import type { Command } from 'commander'
import { findMachine, withWriteLock, type CommandContext } from '../context'
import { CommandError, UsageError } from '../errors'
import { onAction } from '../options'
import { showProgress } from '../progress'

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]

/** Registers `startvm` and `discardstate`. */
export function registerStartvm(program: Command, ctx: CommandContext): void {
  const command = program
    .command('startvm')
    .description('starts virtual machines in their own VM processes')
    .argument('<vm...>', 'names or UUIDs of the VMs')
    .option('--type <type>', 'headless (gui, sdl and separate are not available in Boxwood yet)', 'headless')
    .option(
      '-E, --putenv <NAME=VALUE>',
      'set (or with NAME only, unset) an environment variable of the VM process',
      collect,
    )
  onAction(command, async (vms: string[], o: { type: string; putenv?: string[] }) => {
    const type = o.type.toLowerCase()
    if (!['headless', 'gui', 'sdl', 'separate', 'default'].includes(type))
      throw new UsageError(`Invalid session type '${o.type}'`)
    if (type !== 'headless' && type !== 'default')
      throw new CommandError(`The '${type}' frontend is not available in Boxwood yet; use --type headless`)
    const client = await ctx.client()
    for (const vm of vms) {
      const machine = await findMachine(ctx, vm)
      const name = await machine.getName()
      const session = await client.getSession()
      const progress = await machine.launchVMProcess(session, 'headless', o.putenv ?? [])
      ctx.print(`Waiting for VM "${name}" to power on...`)
      try {
        await showProgress({ ...ctx, io: { out: ctx.io.out, err: () => undefined } }, progress)
      } finally {
        await session.unlockMachine().catch(() => undefined)
      }
      ctx.print(`VM "${name}" has been successfully started.`)
    }
  })

  const discard = program
    .command('discardstate')
    .description('discards the saved state of a virtual machine (it then starts from power-on)')
    .argument('<vm>', 'name or UUID of the VM')
  onAction(discard, async (vm: string) => {
    const machine = await findMachine(ctx, vm)
    await withWriteLock(ctx, machine, (m) => m.discardSavedState(true))
  })
}
