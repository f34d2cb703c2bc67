// The one table of boxmanage commands (VBoxManage.cpp's g_aCommands): each entry registers its commander
// command, and each group lives in its own file under commands/.
import type { Command } from 'commander'
import type { CommandContext } from './context'
import { registerClonevm } from './commands/clonevm'
import { registerControlvm } from './commands/controlvm'
import { registerCreatevm } from './commands/createvm'
import { registerDisk } from './commands/disk'
import { registerList } from './commands/list'
import { registerMetrics } from './commands/metrics'
import { registerModifyvm } from './commands/modifyvm'
import { registerRegistervm } from './commands/registervm'
import { registerSetproperty } from './commands/setproperty'
import { registerShowvminfo } from './commands/showvminfo'
import { registerSnapshot } from './commands/snapshot'
import { registerStartvm } from './commands/startvm'
import { registerStorageattach } from './commands/storageattach'
import { registerStoragectl } from './commands/storagectl'

/** One command group. */
export interface CommandEntry {
  /** The VBoxManage command names this entry registers. */
  readonly names: readonly string[]
  readonly register: (program: Command, ctx: CommandContext) => void
}

/** Every command, in VBoxManage's order. */
export const commandTable: readonly CommandEntry[] = [
  { names: ['list'], register: registerList },
  { names: ['showvminfo'], register: registerShowvminfo },
  { names: ['registervm', 'unregistervm'], register: registerRegistervm },
  { names: ['createvm'], register: registerCreatevm },
  { names: ['modifyvm'], register: registerModifyvm },
  { names: ['clonevm'], register: registerClonevm },
  { names: ['startvm', 'discardstate'], register: registerStartvm },
  { names: ['controlvm'], register: registerControlvm },
  { names: ['snapshot'], register: registerSnapshot },
  { names: ['storagectl'], register: registerStoragectl },
  { names: ['storageattach'], register: registerStorageattach },
  {
    names: ['createmedium', 'closemedium', 'showmediuminfo', 'clonemedium', 'modifymedium'],
    register: registerDisk,
  },
  { names: ['setproperty'], register: registerSetproperty },
  { names: ['metrics'], register: registerMetrics },
]
