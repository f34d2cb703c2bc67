// Where Boxwood keeps its files: the user home folder (like VBOX_USER_HOME) and the default machine folder
// (vbox-api.md §1.1: ~/.config/VirtualBox and ~/VirtualBox VMs, here ~/.config/Boxwood and ~/Boxwood VMs).
import { homedir } from 'node:os'
import { join } from 'node:path'

/** The environment variable that overrides the home folder (VBOX_USER_HOME's counterpart). */
export const USER_HOME_ENV = 'BOXWOOD_USER_HOME'

/** The Boxwood home folder: $BOXWOOD_USER_HOME, else $XDG_CONFIG_HOME/Boxwood, else ~/.config/Boxwood. */
export function boxwoodHomeFolder(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[USER_HOME_ENV]
  if (override) return override
  const xdg = env.XDG_CONFIG_HOME
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.config'), 'Boxwood')
}

/** The default machine folder (`~/Boxwood VMs`). */
export function defaultMachineFolder(): string {
  return join(homedir(), 'Boxwood VMs')
}

/** The global settings file inside a home folder. */
export function globalSettingsPath(home: string): string {
  return join(home, 'VirtualBox.xml')
}
