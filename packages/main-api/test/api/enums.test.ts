// Enumerations and result codes against the values VirtualBox 7.1 documents (vbox-api.md §2.0, §3).
import { describe, expect, it } from 'vitest'
import {
  CleanupMode,
  DeviceType,
  LockType,
  MachineState,
  MediumVariant,
  ResultCode,
  SessionState,
  StorageBus,
  StorageControllerType,
  VBoxError,
  VBoxEventType,
  enumName,
  eventTypeMatches,
  isOnlineState,
  isTransientState,
  machineStateShortNames,
  storageBusForControllerType,
} from '../../src/index'

describe('enumerations', () => {
  it('uses the 7.x MachineState values with AbortedSaved inserted', () => {
    expect([MachineState.PoweredOff, MachineState.Aborted, MachineState.AbortedSaved, MachineState.Running]).toEqual([
      1, 4, 5, 6,
    ])
    expect([MachineState.Stuck, MachineState.Starting, MachineState.Stopping, MachineState.Snapshotting]).toEqual([
      8, 11, 12, 23,
    ])
    expect(enumName(MachineState, 6)).toBe('Running')
    expect(machineStateShortNames[MachineState.Running]).toBe('running')
    expect(machineStateShortNames[MachineState.AbortedSaved]).toBe('aborted-saved')
    expect(machineStateShortNames[MachineState.Stuck]).toBe('gurumeditation')
    expect(isOnlineState(MachineState.Paused)).toBe(true)
    expect(isOnlineState(MachineState.RestoringSnapshot)).toBe(false)
    expect(isTransientState(MachineState.Starting)).toBe(true)
    expect(isTransientState(MachineState.Running)).toBe(false)
  })

  it('has the small enums with their values', () => {
    expect(SessionState).toMatchObject({ Null: 0, Unlocked: 1, Locked: 2, Spawning: 3, Unlocking: 4 })
    expect(LockType).toMatchObject({ Shared: 1, Write: 2, VM: 3 })
    expect(CleanupMode.DetachAllReturnHardDisksAndVMRemovable).toBe(5)
    expect(DeviceType.HardDisk).toBe(3)
    expect(StorageBus.VirtioSCSI).toBe(8)
    expect(StorageControllerType.IntelAhci).toBe(3)
    expect(MediumVariant.Fixed).toBe(0x10000)
    expect(storageBusForControllerType(StorageControllerType.PIIX4)).toBe(StorageBus.IDE)
    expect(storageBusForControllerType(StorageControllerType.NVMe)).toBe(StorageBus.PCIe)
  })

  it('matches event wildcards like VirtualBox', () => {
    expect(VBoxEventType.OnMachineStateChanged).toBe(32)
    expect(VBoxEventType.OnSnapshotRestored).toBe(95)
    expect(eventTypeMatches(VBoxEventType.Any, VBoxEventType.OnMediumRegistered)).toBe(true)
    expect(eventTypeMatches(VBoxEventType.MachineEvent, VBoxEventType.OnSessionStateChanged)).toBe(true)
    expect(eventTypeMatches(VBoxEventType.MachineEvent, VBoxEventType.OnMediumRegistered)).toBe(false)
    expect(eventTypeMatches(VBoxEventType.SnapshotEvent, VBoxEventType.OnSnapshotTaken)).toBe(true)
    expect(eventTypeMatches(VBoxEventType.SnapshotEvent, VBoxEventType.OnMachineStateChanged)).toBe(false)
  })
})

describe('VBoxError', () => {
  it('carries the result code, its name and the component', () => {
    const e = new VBoxError('VBOX_E_OBJECT_NOT_FOUND', "Could not find a registered machine named 'x'", 'VirtualBox')
    expect(e.resultCode).toBe(0x80bb0001)
    expect(e.code).toBe('VBOX_E_OBJECT_NOT_FOUND')
    expect(e).toBeInstanceOf(Error)
    expect(ResultCode.VBOX_E_INVALID_OBJECT_STATE).toBe(0x80bb0007)
    expect(ResultCode.E_INVALIDARG).toBe(0x80070057)
    expect(ResultCode.VBOX_E_PLATFORM_ARCH_NOT_SUPPORTED).toBe(0x80bb0012)
  })

  it('round-trips through its IVirtualBoxErrorInfo form', () => {
    const e = new VBoxError('VBOX_E_FILE_ERROR', 'disk gone', 'Medium')
    const back = VBoxError.fromErrorInfo(JSON.parse(JSON.stringify(e.toErrorInfo())))
    expect(back).toMatchObject({
      code: 'VBOX_E_FILE_ERROR',
      resultCode: 0x80bb0004,
      message: 'disk gone',
      component: 'Medium',
    })
  })
})
