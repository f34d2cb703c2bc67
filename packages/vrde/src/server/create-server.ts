// Server selection as VirtualBox does it (IVRDEServer.VRDEExtPack): the extension pack named "VNC" provides a
// VNC server; anything else, or nothing, the RDP server.
import type { DisplaySource, InputSink } from '@boxwood/devices'
import type { VrdeSettings } from '../config/vrde-settings'
import { RdpServer } from '../rdp/rdp-server'
import { VncServer } from '../rfb/vnc-server'
import type { VrdeServer } from './vrde-server'

/** Creates (does not start) the VRDE server the settings select. */
export function createVrdeServer(settings: VrdeSettings, display: DisplaySource, input: InputSink): VrdeServer {
  return settings.extPack?.trim().toUpperCase() === 'VNC'
    ? new VncServer(settings, display, input)
    : new RdpServer(settings, display, input)
}
