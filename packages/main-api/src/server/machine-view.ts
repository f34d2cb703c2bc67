// The narrow view settings sub-objects (IVRDEServer, INetworkAdapter…) use to read and change their machine's
// settings; implemented by MachineImpl, which enforces the mutability rules.
import type { MachineSettings } from '../settings/machine-settings'

/** Read access and checked write access to one machine's settings. */
export interface MachineSettingsView {
  /** The settings this object shows (pending ones for a locked session). */
  _data(): MachineSettings
  /** Applies a change; throws VBOX_E_INVALID_VM_STATE when the machine is not mutable through this object. */
  _edit(change: (settings: MachineSettings) => void): Promise<void>
  /**
   * Applies a change of a setting a running VM can take live (the VRDE server's). Through a Shared session on a
   * running machine the VM applies it at once; everywhere else it is an ordinary {@link _edit}.
   */
  _editLive(change: (settings: MachineSettings) => void): Promise<void>
}
