// Entry points: the Main API in this process (embedding, tests) — the same objects the service serves. The server
// side (registry, settings, media, the VM stack behind them) is loaded on the first call, so that importing the
// package stays cheap for programs that only connect to the service.
import type { IVirtualBoxClient } from '../api/interfaces'
import { boxwoodHomeFolder } from '../settings/home'

/** Options of {@link openVirtualBox}. */
export interface OpenVirtualBoxOptions {
  /** The home folder (default: $BOXWOOD_USER_HOME or ~/.config/Boxwood). */
  readonly homeFolder?: string
}

/**
 * Loads the Main API in this process. Do not run it on a home folder that a boxsvc service is also serving:
 * like VirtualBox, one process must own the registry at a time.
 */
export async function openVirtualBox(options: OpenVirtualBoxOptions = {}): Promise<IVirtualBoxClient> {
  const [{ VirtualBoxImpl }, { VirtualBoxClientImpl }, { detachVms, reattachVms }] = await Promise.all([
    import('../server/virtualbox'),
    import('./virtualbox-client'),
    import('./vm-launch'),
  ])
  const vbox = await VirtualBoxImpl._open({ homeFolder: options.homeFolder ?? boxwoodHomeFolder() })
  await reattachVms(vbox)
  return new VirtualBoxClientImpl(vbox, process.pid, async () => {
    vbox._performance._shutdown()
    // Running VMs keep running; the next openVirtualBox or service re-attaches them.
    detachVms(vbox)
  })
}
