// `@boxwood/vmm`: the embedder entry point. Every export is listed by name.
export type { AccessSize, IoBus } from './io/io-bus'
export { PortSpace, MAX_DESCRIPTION_LENGTH } from './io/port-space'
export type { PortRange } from './io/port-space'
export { IoPortRegistrationError } from './io/io-errors'
export type { IoPortErrorCode } from './io/io-errors'
export type { InterruptSource } from './irq/interrupt-source'
export { IrqRouter, IrqRoutingError, DEFAULT_IRQ_LINES } from './irq/irq-router'
export type { IrqLineDriver, IrqReceiver } from './irq/irq-router'
export type { GuestMemory, MemoryMapping, MmioHandlers } from './memory/guest-memory'
export { PhysicalMemory, GuestMemoryError, MAX_RAM_BYTES } from './memory/physical-memory'
export type { PhysicalMemoryOptions } from './memory/physical-memory'
export { VirtualClock, VirtualClockError } from './time/virtual-clock'
export type { ClockView, HostClock } from './time/virtual-clock'
export { TimerQueue, TimerError } from './time/timer-queue'
export type { VirtualTimer } from './time/timer-queue'
export { DeviceHost, DeviceHostError } from './device-api/device-host'
export type {
  AddDeviceOptions,
  DeviceHostOptions,
  HostedDevice,
  HostedRegion,
  LogEntry,
  LogLevel,
} from './device-api/device-host'
export { writeSavedState, readSavedState, dumpSavedState, SAVED_STATE_MAGIC } from './state/container'
export type { SavedUnit } from './state/container'
export { crc32 } from './state/crc32'
export {
  SavedStateError,
  SavedStateConfigMismatchError,
  SavedStateEncodeError,
  SavedStateFormatError,
  SavedStateUnitError,
  SavedStateVersionError,
} from './state/state-errors'
export { hasFirmwareRegisterAccess } from './em/cpu-contract'
export type { ExecutionExitReason, CpuRunResult, ExecutionCpu, FirmwareRegisterAccess } from './em/cpu-contract'
export { Cpu } from './cpu/cpu'
export type { CpuExit, CpuOptions } from './cpu/cpu'
export type { CpuState, SegmentState, TableRegister } from './cpu/cpu-state'
export { CpuStateError } from './cpu/cpu-saved-state'
export type { Fpu, FpuArchState, FpuHost } from './cpu/fpu/fpu-contract'
export { Vm, VmStateError } from './em/vm'
export type { CpuWiring, SliceResult, TimeMode, VmConfig, VmDeviceSpec, VmState } from './em/vm'
export { VmRunner } from './em/vm-runner'
export type { HostScheduler, VmRunnerOptions } from './em/vm-runner'
export { createVm } from './em/create-vm'
export { devicesFromConfigTree, ConfigTreeError } from './config/config-tree'
export type { ConfigValue, DeviceInstanceNode, MachineConfigTree } from './config/config-tree'
export { serveVm, RemoteVm, RemoteVmError } from './em/vm-remote'
export type { PortLike, RemoteCommand } from './em/vm-remote'
