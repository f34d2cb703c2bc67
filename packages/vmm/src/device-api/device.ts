// The device API (VirtualBox PDM's PDMDEVHLPR3 / pdmdev.h equivalent): everything a device may touch. Devices
// get a DeviceContext and never the CPU, the machine or another device. Built by the VMM; faked by nobody —
// tooling/device-testkit runs the same implementation on a virtual clock.
import type { AccessSize } from '../io/io-bus'
import type { IrqReceiver } from '../irq/irq-router'
import type { InterruptSource } from '../irq/interrupt-source'
import type { StateSchema } from '../state/schema'
import type { ClockView } from '../time/virtual-clock'
import type { VirtualTimer } from '../time/timer-queue'
import type { ConfigOf, ConfigSchema } from './config-schema'

/** Reset kinds. An unknown kind is treated as 'hard' (QEMU docs/devel/reset.rst). */
export type ResetKind = 'power-on' | 'hard' | 'soft'

/** Port handlers. Offsets are relative to the range (VBox offPort); `sizes` lists the widths implemented. */
export interface IoPortHandlers {
  read?(offset: number, size: AccessSize): number
  write?(offset: number, value: number, size: AccessSize): void
  /** Widths implemented natively (default: all); the I/O core splits or merges the others (QEMU `.impl`). */
  readonly sizes?: readonly AccessSize[]
}

/** MMIO handlers: the same shape as port handlers, with offsets relative to the region's base. */
export type MmioHandlers = IoPortHandlers

/** A created port range, MMIO region or ROM image; created unmapped, then mapped at a base (port or GPA). */
export interface IoRegion {
  readonly description: string
  /** Size in ports or bytes. */
  readonly size: number
  /** Current base, or undefined while unmapped. */
  readonly base: number | undefined
  /** Maps at `base` (moving it if already mapped). Overlaps and out-of-range bases throw. */
  map(base: number): void
  /**
   * Maps at a base the guest chose (a PCI BAR): like `map`, but an overlap or out-of-range base leaves the
   * region unmapped, logs a warning and returns false instead of throwing into the guest's instruction.
   */
  tryMap(base: number): boolean
  unmap(): void
}

/** One device output wired to a platform IRQ line (several devices may share a line: wired-OR). */
export interface IrqLine {
  readonly line: number
  /** This device's own output level. */
  readonly level: boolean
  raise(): void
  lower(): void
  /** raise() then lower(): one edge for edge-triggered inputs (ISA). */
  pulse(): void
}

/** Log sink of a device; messages are prefixed with the device name and instance by the VMM. */
export interface DeviceLogger {
  debug(message: string, data?: Readonly<Record<string, unknown>>): void
  info(message: string, data?: Readonly<Record<string, unknown>>): void
  warn(message: string, data?: Readonly<Record<string, unknown>>): void
  error(message: string, data?: Readonly<Record<string, unknown>>): void
}

/** A deterministic random source, seeded per machine, device name and instance. */
export interface RandomSource {
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number
  /** Uniform float in [0, 1). */
  nextFloat(): number
}

/**
 * Bounds-checked DMA access to guest memory (bus masters, the i8237, firmware loaders). Addresses are guest
 * physical, 0..2^32-1; bytes outside RAM read 0xFF and writes to them are dropped; MMIO is not reachable.
 * A non-integer or negative address, or a span past 4 GiB, throws DmaError (a device bug, not a guest one) —
 * devices pass guest-chosen addresses masked to 32 bits (`>>> 0`).
 */
export interface DmaView {
  /** Bytes of RAM from guest-physical 0. */
  readonly ramBytes: number
  read(gpa: number, target: Uint8Array): void
  write(gpa: number, source: Uint8Array): void
  readU8(gpa: number): number
  readU16(gpa: number): number
  readU32(gpa: number): number
  writeU8(gpa: number, value: number): void
  writeU16(gpa: number, value: number): void
  writeU32(gpa: number, value: number): void
}

/**
 * A named, typed contract between a device and what is attached to it (a backend at a LUN) or between devices
 * (a platform service such as the PCI bus or the ISA DMA controller). `is` guards what the VMM hands out.
 */
export interface Contract<T> {
  readonly name: string
  is(value: unknown): value is T
}

/** Declares a {@link Contract}. */
export function defineContract<T>(name: string, is: (value: unknown) => value is T): Contract<T> {
  return { name, is }
}

/** A backend contract (the Drv* interface at a LUN). */
export type BackendContract<T> = Contract<T>

/**
 * The register file a firmware call sees: general registers, EIP, EFLAGS and the segment selectors. The
 * handler may change any of them; the VMM writes the changed ones back before the guest resumes. Segment
 * writes load the register as a MOV Sreg would (real/v86 mode: base = selector × 16).
 */
export interface FirmwareRegisters {
  eax: number
  ebx: number
  ecx: number
  edx: number
  esi: number
  edi: number
  ebp: number
  esp: number
  eip: number
  eflags: number
  cs: number
  ds: number
  es: number
  ss: number
  fs: number
  gs: number
}

/** One firmware call: the guest wrote `value` (of `size`) to `offset` of the firmware-call port range. */
export interface FirmwareCall {
  readonly offset: number
  readonly value: number
  readonly size: AccessSize
  /** A snapshot of the CPU registers at the trapping OUT; EIP points past the OUT. */
  readonly regs: FirmwareRegisters
}

/** Machine-level requests a device may make (KBC/port 0x92 reset and A20, ACPI S5). Executed by the VMM. */
export interface MachineControl {
  /** Requests a machine reset; it takes effect at the end of the current instruction slice. */
  requestReset(kind?: ResetKind): void
  /** Requests power-off (ACPI S5); takes effect at the end of the current slice. */
  requestPowerOff(): void
  /** The A20 gate of guest memory. */
  setA20(enabled: boolean): void
  readonly a20Enabled: boolean
}

/** What a device may use. */
export interface DeviceContext {
  /** The device's name (its config node and saved-state unit name). */
  readonly name: string
  /** Instance number (0 for the first UART, 1 for the second…). */
  readonly instance: number
  readonly log: DeviceLogger
  /** Virtual time in nanoseconds (never the host clock). */
  readonly clock: ClockView
  readonly random: RandomSource
  readonly dma: DmaView
  readonly machine: MachineControl
  /**
   * Host-visible memory for the device (VRAM, a framebuffer): zeroed, backed by a SharedArrayBuffer when the
   * machine shares memory across threads, so a display on the main thread reads it without copies.
   */
  allocateBuffer(sizeBytes: number): Uint8Array
  /** Creates a port range of `count` ports; map it with `.map(base)`. Only during `create`. */
  ioPorts(count: number, handlers: IoPortHandlers, description: string): IoRegion
  /** Creates an MMIO region of `sizeBytes`; `.map(gpa)` maps it into guest physical memory. */
  mmio(sizeBytes: number, handlers: MmioHandlers, description: string): IoRegion
  /** Creates a ROM region holding `image` (firmware, option ROMs); `.map(gpa)` maps it read-only. */
  rom(image: Uint8Array, description: string): IoRegion
  /** A driver for platform IRQ line `line` (0..23; ISA 0..15). */
  irq(line: number): IrqLine
  /** A one-shot timer on the virtual clock; `onExpire` receives the deadline it was armed for. */
  timer(name: string, onExpire: (deadlineNs: number) => void): VirtualTimer
  /** The backend attached at `lun`, checked against `contract`; undefined when nothing is attached. */
  attach<T>(lun: number, contract: BackendContract<T>): T | undefined
  /** Offers a platform service to other devices (e.g. the PCI bus); one provider per contract. */
  provide<T>(contract: Contract<T>, implementation: T): void
  /** A service another device provides, or undefined (look it up in afterReset if creation order varies). */
  service<T>(contract: Contract<T>): T | undefined
  /**
   * The interrupt-controller role: `receiver` is told the level of every platform IRQ line on each change
   * (PIC, I/O APIC); `cpu`, when given, becomes the InterruptSource the CPU samples (one per machine). Returns
   * `changed()`, to call when the controller's output to the CPU changes outside a line change (an NMI
   * latched by a timer, a host event) so a halted CPU wakes up.
   */
  interruptController(role: { readonly receiver?: IrqReceiver; readonly cpu?: InterruptSource }): {
    changed(): void
  }
  /**
   * A firmware-call port range (for BIOS services emulated in TypeScript, the DOSBox approach): an OUT by the
   * guest to one of its ports runs `handler` with a register snapshot, which it may modify. Map it with
   * `.map(base)`. Reads of the range return all ones.
   */
  firmwareCalls(count: number, handler: (call: FirmwareCall) => void, description: string): IoRegion
}

/** What `create` returns: the saved state object and the lifecycle hooks. */
export interface DeviceInstance<S extends object = object> {
  /** Plain data only: exactly what the schema saves. Loaded in place. */
  readonly state: S
  /** Phase 1: reset own registers only; no IRQ edges, no peers (QEMU "enter"). */
  reset(kind: ResetKind): void
  /** Phase 2: may drive IRQs and arm timers (QEMU "hold"). */
  afterReset?(kind: ResetKind): void
  /** After a load: rebuild derived state, re-arm timers from saved deadlines, re-drive IRQ line levels. */
  afterLoad?(): void
  /** Power-off / machine teardown: release host resources. */
  destroy?(): void
}

/** A device definition (VirtualBox PDMDEVREG, one const per device). */
export interface DeviceDefinition<S extends object = object, C extends ConfigSchema = ConfigSchema> {
  /** 'i8254': config-tree node and saved-state unit name. */
  readonly name: string
  readonly description?: string
  readonly maxInstances: number
  readonly config: C
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- config keys of the saved state vary
  readonly savedState: StateSchema<S, any>
  create(ctx: DeviceContext, config: ConfigOf<C>): DeviceInstance<S>
}

/** Error in a device definition (bad name, saved-state unit not named after the device). */
export class DeviceDefinitionError extends Error {
  override readonly name = 'DeviceDefinitionError'
  readonly code: 'DEVICE_NAME' | 'DEVICE_MAX_INSTANCES' | 'DEVICE_STATE_UNIT'
  constructor(code: 'DEVICE_NAME' | 'DEVICE_MAX_INSTANCES' | 'DEVICE_STATE_UNIT', message: string) {
    super(message)
    this.code = code
  }
}

/** Declares a device (STYLE §3.3). Checks the name, instance limit and saved-state unit name. */
export function defineDevice<S extends object, const C extends ConfigSchema>(
  definition: DeviceDefinition<S, C>,
): DeviceDefinition<S, C> {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(definition.name)) {
    throw new DeviceDefinitionError('DEVICE_NAME', `device name "${definition.name}" must be 1..63 of [A-Za-z0-9._-]`)
  }
  if (!Number.isInteger(definition.maxInstances) || definition.maxInstances < 1) {
    throw new DeviceDefinitionError('DEVICE_MAX_INSTANCES', `${definition.name}: maxInstances must be ≥ 1`)
  }
  if (definition.savedState.unit !== definition.name) {
    throw new DeviceDefinitionError(
      'DEVICE_STATE_UNIT',
      `${definition.name}: saved-state unit is "${definition.savedState.unit}", must equal the device name`,
    )
  }
  return definition
}

/** Normalises a reset kind: anything unknown becomes 'hard'. */
export function normalizeResetKind(kind: unknown): ResetKind {
  return kind === 'power-on' || kind === 'soft' || kind === 'hard' ? kind : 'hard'
}
