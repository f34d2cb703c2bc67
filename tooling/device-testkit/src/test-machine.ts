// A test machine for one or a few devices (VirtualBox tstDevice with fake PDM helpers, QEMU qtest): guest-visible
// port and memory I/O, a virtual clock stepped by the test, IRQ edge counters, saved state, reset — running the
// VMM's real device host, so devices behave exactly as in a VM. No CPU: the test plays the CPU.
import {
  DeviceHost,
  PhysicalMemory,
  readSavedState,
  writeSavedState,
  type DeviceHostOptions,
  type FirmwareRegisterAccess,
  type HostedDevice,
  type HostedRegion,
  type LogEntry,
} from '@boxwood/vmm'
import type { DeviceDefinition, DeviceInstance, FirmwareRegisters, ResetKind } from '@boxwood/vmm/device-api'

/** A device to put in the test machine, with its config, instance number and backends by LUN. */
export interface TestDeviceSpec {
  readonly definition: DeviceDefinition
  readonly config?: Readonly<Record<string, unknown>>
  readonly instance?: number
  readonly luns?: Readonly<Record<number, unknown>>
}

/** Options of {@link createTestMachine}. */
export interface TestMachineOptions {
  /** Devices, created in this order (a bare definition uses its default config). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any device's definition
  readonly devices: readonly (DeviceDefinition<any, any> | TestDeviceSpec)[]
  /** Guest RAM, a multiple of 4 KB (default 1 MiB). */
  readonly ramBytes?: number
  /** Seed of the devices' random sources (default 1). */
  readonly seed?: number
  readonly irqLines?: number
}

/** Edge counters of one platform IRQ line, as an interrupt controller would see them. */
export interface IrqProbe {
  /** Current wired-OR level. */
  readonly level: boolean
  readonly risingEdges: number
  readonly fallingEdges: number
  /** Zeroes the edge counters. */
  clear(): void
}

/** Guest port I/O, as the CPU's IN/OUT would do it. */
export interface TestIo {
  in8(port: number): number
  in16(port: number): number
  in32(port: number): number
  out8(port: number, value: number): void
  out16(port: number, value: number): void
  out32(port: number, value: number): void
}

/** The virtual clock, stepped by the test. Timers fire in deadline order while time moves. */
export interface TestClock {
  nowNs(): number
  /** Moves time forward by `ns`, firing every timer due on the way at its own deadline. */
  advanceNs(ns: number): void
  /** Moves time to `ns` (≥ now), firing due timers. */
  advanceTo(ns: number): void
  /** Moves time to the next armed deadline and fires it; returns false when no timer is armed. */
  runToNextDeadline(): boolean
  /** The earliest armed deadline, if any. */
  nextDeadlineNs(): number | undefined
}

/** The test machine. */
export interface TestMachine {
  readonly host: DeviceHost
  readonly memory: PhysicalMemory
  readonly io: TestIo
  readonly clock: TestClock
  /** Log entries of every device, in order. */
  readonly logs: LogEntry[]
  /** The register file firmware calls read and write (set fields before the OUT, inspect them after). */
  readonly firmwareRegisters: FirmwareRegisters
  /** Reset / power-off requests devices made (KBC reset pulse, port 0x92, ACPI S5). */
  readonly resetRequests: ResetKind[]
  readonly powerOffRequests: number
  /** Edge counters of a platform IRQ line. */
  irq(line: number): IrqProbe
  /** A device instance by name (and instance number, default 0). */
  device<S extends object = Record<string, unknown>>(name: string, instance?: number): DeviceInstance<S>
  /** Every region the devices created. */
  regions(): readonly HostedRegion[]
  /** The two-phase reset of every device. */
  reset(kind?: ResetKind): void
  /** Saves every device and the clock into a saved-state container. */
  saveState(): Uint8Array
  /** Loads a container made by {@link saveState} of an identically configured machine. */
  loadState(data: Uint8Array): void
}

const CLOCK_UNIT = 'testkit-clock'

/** Builds a test machine: devices created, frozen and reset ('power-on'), time 0. */
export function createTestMachine(options: TestMachineOptions): TestMachine {
  const logs: LogEntry[] = []
  const memory = new PhysicalMemory({ ramBytes: options.ramBytes ?? 0x10_0000 })
  const hostOptions: DeviceHostOptions = {
    memory,
    seed: options.seed ?? 1,
    log: (entry) => logs.push(entry),
    ...(options.irqLines === undefined ? {} : { irqLines: options.irqLines }),
  }
  const host = new DeviceHost(hostOptions)

  const levels = new Map<number, { rising: number; falling: number }>()
  host.irqs.addReceiver({
    setIrqLevel(line, level) {
      const counts = levels.get(line) ?? { rising: 0, falling: 0 }
      if (level) counts.rising++
      else counts.falling++
      levels.set(line, counts)
    },
  })

  const firmwareRegisters: FirmwareRegisters = {
    eax: 0,
    ebx: 0,
    ecx: 0,
    edx: 0,
    esi: 0,
    edi: 0,
    ebp: 0,
    esp: 0,
    eip: 0,
    eflags: 0x2,
    cs: 0,
    ds: 0,
    es: 0,
    ss: 0,
    fs: 0,
    gs: 0,
  }
  const registerAccess: FirmwareRegisterAccess = {
    readFirmwareRegisters: (into) => Object.assign(into, firmwareRegisters),
    writeFirmwareRegisters: (from) => Object.assign(firmwareRegisters, from),
  }
  host.firmwareRegisters = registerAccess

  const resetRequests: ResetKind[] = []
  let powerOffRequests = 0
  host.onResetRequest = (kind) => resetRequests.push(kind)
  host.onPowerOffRequest = () => powerOffRequests++

  const hosted: HostedDevice[] = []
  for (const spec of options.devices) {
    const s: TestDeviceSpec = 'definition' in spec ? spec : { definition: spec as DeviceDefinition }
    hosted.push(
      host.addDevice(s.definition, {
        ...(s.instance === undefined ? {} : { instance: s.instance }),
        ...(s.config === undefined ? {} : { config: s.config }),
        ...(s.luns === undefined ? {} : { luns: s.luns }),
      }),
    )
  }
  host.freeze()
  host.reset('power-on')

  const ports = host.ports
  const io: TestIo = {
    in8: (port) => ports.ioRead(port & 0xffff, 1),
    in16: (port) => ports.ioRead(port & 0xffff, 2),
    in32: (port) => ports.ioRead(port & 0xffff, 4),
    out8: (port, value) => ports.ioWrite(port & 0xffff, value & 0xff, 1),
    out16: (port, value) => ports.ioWrite(port & 0xffff, value & 0xffff, 2),
    out32: (port, value) => ports.ioWrite(port & 0xffff, value >>> 0, 4),
  }

  const advanceTo = (target: number): void => {
    if (!(target >= host.clock.nowNs())) throw new RangeError(`cannot move the clock back to ${target}`)
    for (;;) {
      const next = host.timers.nextDeadlineNs()
      if (next === undefined || next > target) break
      if (next > host.clock.nowNs()) host.clock.advanceTo(next)
      host.timers.runDue(host.clock.nowNs())
    }
    host.clock.advanceTo(target)
  }
  const clock: TestClock = {
    nowNs: () => host.clock.nowNs(),
    advanceNs: (ns) => advanceTo(host.clock.nowNs() + ns),
    advanceTo,
    nextDeadlineNs: () => host.timers.nextDeadlineNs(),
    runToNextDeadline() {
      const next = host.timers.nextDeadlineNs()
      if (next === undefined) return false
      advanceTo(Math.max(next, host.clock.nowNs()))
      return true
    },
  }

  return {
    host,
    memory,
    io,
    clock,
    logs,
    firmwareRegisters,
    resetRequests,
    get powerOffRequests() {
      return powerOffRequests
    },
    irq(line) {
      const counts = () => levels.get(line) ?? { rising: 0, falling: 0 }
      return {
        get level() {
          return host.irqs.levelOf(line)
        },
        get risingEdges() {
          return counts().rising
        },
        get fallingEdges() {
          return counts().falling
        },
        clear() {
          levels.delete(line)
        },
      }
    },
    device<S extends object>(name: string, instance = 0) {
      const found = hosted.find((d) => d.definition.name === name && d.instance === instance)
      if (!found) throw new Error(`no device ${name}#${instance} in this test machine`)
      return found.device as DeviceInstance<S>
    },
    regions: () => hosted.flatMap((d) => d.regions),
    reset: (kind = 'hard') => host.reset(kind),
    saveState() {
      const clockBytes = new Uint8Array(8)
      new DataView(clockBytes.buffer).setFloat64(0, host.clock.nowNs(), true)
      return writeSavedState([{ name: CLOCK_UNIT, instance: 0, version: 1, bytes: clockBytes }, ...host.saveUnits()])
    },
    loadState(data) {
      const units = readSavedState(data)
      const clockUnit = units.find((u) => u.name === CLOCK_UNIT)
      if (!clockUnit || clockUnit.bytes.length !== 8) throw new Error('saved state has no testkit clock unit')
      // Time is restored first: afterLoad hooks re-arm timers against the saved clock.
      const before = host.clock.nowNs()
      host.clock.restore(new DataView(clockUnit.bytes.buffer, clockUnit.bytes.byteOffset).getFloat64(0, true))
      try {
        host.loadUnits(units.filter((u) => u !== clockUnit))
      } catch (error) {
        host.clock.restore(before)
        throw error
      }
    },
  }
}
