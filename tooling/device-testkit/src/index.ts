// `@boxwood/device-testkit`: the qtest-style harness for device tests (STYLE §3.7). Every export is named.
export { createTestMachine } from './test-machine'
export type { IrqProbe, TestClock, TestDeviceSpec, TestIo, TestMachine, TestMachineOptions } from './test-machine'
export { fuzzDeviceIo } from './io-fuzz'
export type { IoFuzzOptions, IoFuzzReport } from './io-fuzz'
export { expectSaveLoadIdentity } from './round-trip'
export { fuzzSavedState } from './state-fuzz'
export type { StateFuzzOptions, StateFuzzReport } from './state-fuzz'
