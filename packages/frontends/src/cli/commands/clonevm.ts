// `boxmanage clonevm <vm> [--name <n>] [--register] [--basefolder <dir>] [--mode machine] [--options link,…]
// [--snapshot <s>] [--uuid <uuid>] [--groups <g>]` (VBoxManageMisc.cpp handleCloneVM; vbox-api.md §5.4).
import type { Command } from 'commander'
import { CloneMode, CloneOptions, PlatformArchitecture } from '@boxwood/main-api/client'
import { findMachine, type CommandContext } from '../context'
import { UsageError } from '../errors'
import { onAction, parseChoice } from '../options'
import { showProgress } from '../progress'

const modeNames = {
  machine: CloneMode.MachineState,
  machinechildren: CloneMode.MachineAndChildStates,
  all: CloneMode.AllStates,
} as const
const optionNames = {
  link: CloneOptions.Link,
  keepallmacs: CloneOptions.KeepAllMACs,
  keepnatmacs: CloneOptions.KeepNATMACs,
  keepdisknames: CloneOptions.KeepDiskNames,
  keephwuuids: CloneOptions.KeepHwUUIDs,
} as const

/** Registers `clonevm`. */
export function registerClonevm(program: Command, ctx: CommandContext): void {
  const command = program
    .command('clonevm')
    .description('creates a copy of a virtual machine')
    .argument('<vm>', 'name or UUID of the source VM')
    .option('--name <name>', 'name of the clone (default "<vm> Clone")')
    .option('--register', 'register the clone')
    .option('--basefolder <dir>', 'folder in which the clone’s folder is created')
    .option('--mode <mode>', 'machine|machinechildren|all', 'machine')
    .option('--options <list>', 'link,keepallmacs,keepnatmacs,keepdisknames,keephwuuids')
    .option('--snapshot <name>', 'clone the machine as it was in this snapshot')
    .option('--uuid <uuid>', 'UUID of the clone')
    .option('--groups <groups>', 'comma-separated group paths')
  onAction(
    command,
    async (
      vm: string,
      o: {
        name?: string
        register?: boolean
        basefolder?: string
        mode: string
        options?: string
        snapshot?: string
        uuid?: string
        groups?: string
      },
    ) => {
      const mode = parseChoice(o.mode, '--mode', modeNames)
      const options = (o.options ?? '')
        .split(',')
        .filter((x) => x !== '')
        .map((x) => parseChoice(x, '--options', optionNames))
      if (options.includes(CloneOptions.Link) && !o.snapshot)
        throw new UsageError('Linked clones need --snapshot (the snapshot the clone is linked to)')
      const vbox = await ctx.vbox()
      const machine = await findMachine(ctx, vm)
      const source = o.snapshot ? await (await machine.findSnapshot(o.snapshot)).getMachine() : machine
      const name = o.name ?? `${await machine.getName()} Clone`
      const groups = o.groups ? o.groups.split(',').filter((g) => g !== '') : []
      const settingsFile = o.basefolder
        ? await vbox.composeMachineFilename(name, groups[0] ?? '', '', o.basefolder)
        : ''
      const flags = o.uuid ? `UUID=${o.uuid.replace(/^\{|\}$/g, '')}` : ''
      const target = await vbox.createMachine(
        settingsFile,
        name,
        PlatformArchitecture.x86,
        groups,
        await machine.getOSTypeId(),
        flags,
      )
      await showProgress(ctx, await source.cloneTo(target, mode, options))
      if (o.register) await vbox.registerMachine(target)
      ctx.print(`Machine has been successfully cloned as "${name}"`)
    },
  )
}
