// `boxmanage createvm --name <name> [--ostype <id>] [--register] [--basefolder <dir>] [--uuid <uuid>]
// [--groups <g>,…] [--default]` (VBoxManageMisc.cpp handleCreateVM; vbox-api.md §5.4).
import { Option, type Command } from 'commander'
import { PlatformArchitecture } from '@boxwood/main-api/client'
import type { CommandContext } from '../context'
import { UsageError } from '../errors'
import { onAction } from '../options'

interface CreateVmOptions {
  readonly name?: string
  readonly osType?: string
  readonly ostype?: string
  readonly register?: boolean
  readonly basefolder?: string
  readonly uuid?: string
  readonly groups?: string
  readonly default?: boolean
  readonly platformArchitecture?: string
}

/** Registers `createvm`. */
export function registerCreatevm(program: Command, ctx: CommandContext): void {
  const command = program
    .command('createvm')
    .description('creates a new XML virtual machine definition')
    .option('--name <name>', 'name of the new VM (required)')
    .option('--os-type <id>', 'guest OS type (see list ostypes)')
    .addOption(new Option('--ostype <id>').hideHelp())
    .option('--register', 'register the VM after creating it')
    .option('--basefolder <dir>', 'folder in which the VM folder is created')
    .option('--uuid <uuid>', 'UUID of the new VM')
    .option('--groups <groups>', 'comma-separated group paths')
    .option('--default', 'apply the OS type’s recommended defaults (always done by Boxwood)')
    .option('--platform-architecture <arch>', 'x86 (the only architecture Boxwood emulates)')
  onAction(command, async (options: CreateVmOptions) => {
    if (!options.name) throw new UsageError('Parameter --name is required')
    if (options.platformArchitecture && options.platformArchitecture.toLowerCase() !== 'x86')
      throw new UsageError(`Unsupported platform architecture '${options.platformArchitecture}' (only x86)`)
    const vbox = await ctx.vbox()
    const groups = options.groups ? options.groups.split(',').filter((g) => g !== '') : []
    const settingsFile = options.basefolder
      ? await vbox.composeMachineFilename(options.name, groups[0] ?? '', '', options.basefolder)
      : ''
    const flags = options.uuid ? `UUID=${options.uuid.replace(/^\{|\}$/g, '')}` : ''
    const machine = await vbox.createMachine(
      settingsFile,
      options.name,
      PlatformArchitecture.x86,
      groups,
      options.osType ?? options.ostype ?? 'Other',
      flags,
    )
    await machine.saveSettings()
    if (options.register) await vbox.registerMachine(machine)
    ctx.print(`Virtual machine '${options.name}' is created${options.register ? ' and registered' : ''}.`)
    ctx.print(`UUID: ${await machine.getId()}`)
    ctx.print(`Settings file: '${await machine.getSettingsFilePath()}'`)
  })
}
