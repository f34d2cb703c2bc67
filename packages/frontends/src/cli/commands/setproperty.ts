// `boxmanage setproperty <name> <value>` for the system properties Boxwood has (VBoxManageMisc.cpp
// handleSetProperty; vbox-api.md §5.10).
import type { Command } from 'commander'
import { defaultMachineFolder } from '@boxwood/main-api/client'
import { resolve } from 'node:path'
import type { CommandContext } from '../context'
import { UsageError } from '../errors'
import { onAction } from '../options'

const PROPERTIES = ['machinefolder', 'defaultfrontend', 'hdfolder', 'defaulthdformat'] as const

/** Registers `setproperty`. */
export function registerSetproperty(program: Command, ctx: CommandContext): void {
  const command = program
    .command('setproperty')
    .description('changes a global setting')
    .usage('machinefolder default|<folder> | defaultfrontend default|<name> | defaulthdformat VDI|VMDK|VHD')
    .argument('<property>', PROPERTIES.join('|'))
    .argument('<value>', 'the new value')
  onAction(command, async (property: string, value: string) => {
    const props = await (await ctx.vbox()).getSystemProperties()
    switch (property.toLowerCase()) {
      case 'machinefolder':
      case 'hdfolder':
        return props.setDefaultMachineFolder(value === 'default' ? defaultMachineFolder() : resolve(value))
      case 'defaultfrontend':
        return props.setDefaultFrontend(value === 'default' ? '' : value)
      case 'defaulthdformat':
        return props.setDefaultHardDiskFormat(value)
      default:
        throw new UsageError(`Invalid parameter '${property}'`)
    }
  })
}
