// Starts the remote display server of a running VM from the machine's VRDE settings, as VirtualBox's VM process
// loads its VRDE module at power-up (ConsoleVRDPServer; vbox-api.md §7.1). A server that cannot start is reported
// as port 0, and the VM keeps running (VirtualBox's behaviour).
import type { DisplaySource, InputSink } from '@boxwood/devices'
import { createVrdeServer, type VrdeServer, type VrdeSettings } from '@boxwood/vrde'
import type { VrdeSettings as MachineVrdeSettings } from '../settings/machine-settings'

/** The VRDE server of this VM process, if enabled and possible. */
export interface VmVrde {
  readonly server: VrdeServer | undefined
  readonly error: string | undefined
}

const authNames = ['Null', 'External', 'Guest'] as const

/** Maps machine settings to the VRDE server's settings. */
export function vrdeSettingsOf(v: MachineVrdeSettings): VrdeSettings {
  return {
    extPack: v.vrdeExtPack,
    authType: authNames[v.authType] ?? 'Null',
    authTimeout: v.authTimeout,
    allowMultiConnection: v.allowMultiConnection,
    reuseSingleConnection: v.reuseSingleConnection,
    properties: Object.fromEntries(v.properties),
  }
}

/** Starts the server when the settings enable it and the machine has a screen and input devices. */
export async function startVrde(
  v: MachineVrdeSettings,
  display: DisplaySource | undefined,
  input: InputSink | undefined,
): Promise<VmVrde> {
  if (!v.enabled) return { server: undefined, error: undefined }
  if (!display || !input)
    return { server: undefined, error: 'the machine has no display or input device for the remote display' }
  try {
    const server = createVrdeServer(vrdeSettingsOf(v), display, input)
    await server.start()
    return { server, error: undefined }
  } catch (error) {
    return { server: undefined, error: (error as Error).message }
  }
}
