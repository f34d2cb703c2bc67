// Public entry point of @boxwood/main-api: the VirtualBox-style Main API, in-process or through the boxsvc service.
// It is the light client entry (./client-entry: connectVirtualBox, the interfaces, enumerations, errors, events
// and helpers, each listed there by name) plus the in-process API and the machine-driver contract listed below.
// Taking over the other public entry whole is the one `export *` the rule allows (checked by
// tooling/check-packages/entry-exports.ts): every name is still written out once, and the two lists cannot drift.
export * from './client-entry'

// Entry points
export { openVirtualBox } from './client/open'
export type { OpenVirtualBoxOptions } from './client/open'

// Machine drivers (what runs the guest inside the VM process)
export { MACHINE_DRIVER_ENV } from './client/machine-driver'
export type {
  DriverMedium,
  MachineDriver,
  MachineDriverConfig,
  MachineDriverEvent,
  MachineDriverFactory,
} from './client/machine-driver'
export type { MachineSettings } from './settings/machine-settings'
