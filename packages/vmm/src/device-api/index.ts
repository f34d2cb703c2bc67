// `@boxwood/vmm/device-api`: the one surface device authors use (VirtualBox pdmdev.h). Every export is named.
export { defineDevice, defineContract, normalizeResetKind, DeviceDefinitionError } from './device'
export type { AccessSize } from '../io/io-bus'
export type {
  BackendContract,
  Contract,
  DeviceContext,
  DeviceDefinition,
  DeviceInstance,
  DeviceLogger,
  DmaView,
  FirmwareCall,
  FirmwareRegisters,
  IoPortHandlers,
  IoRegion,
  IrqLine,
  MachineControl,
  MmioHandlers,
  RandomSource,
  ResetKind,
} from './device'
export { resolveConfig, DeviceConfigError } from './config-schema'
export type { ConfigKey, ConfigKeyType, ConfigOf, ConfigSchema, ConfigValueOf } from './config-schema'
export { DmaError } from './dma-view'
export { createSeededRandom } from './seeded-random'
export {
  defineState,
  Field,
  RemovedField,
  array,
  bool,
  bytes,
  f64,
  i8,
  i16,
  i32,
  i64,
  str,
  struct,
  u8,
  u16,
  u32,
  varBytes,
} from '../state/schema'
export type { FieldMap, StateDeclaration, StateSchema, ValueOf } from '../state/schema'
export {
  SavedStateError,
  SavedStateConfigMismatchError,
  SavedStateEncodeError,
  SavedStateFormatError,
  SavedStateUnitError,
  SavedStateVersionError,
} from '../state/state-errors'
export type { SavedStateErrorCode } from '../state/state-errors'
export type { IrqReceiver } from '../irq/irq-router'
export type { InterruptSource } from '../irq/interrupt-source'
export type { ClockView } from '../time/virtual-clock'
export type { VirtualTimer } from '../time/timer-queue'
