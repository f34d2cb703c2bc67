// The VMM side of the device API (VirtualBox PDM + PDMDevHlp*): instantiates device definitions, builds their
// contexts over the port space, guest memory, IRQ router and timer queue, and runs the reset, save and load
// sequences across all devices. The execution loop and the device testkit both use this one implementation.
import { PortSpace } from '../io/port-space'
import { IrqRouter } from '../irq/irq-router'
import type { GuestMemory, MemoryMapping } from '../memory/guest-memory'
import type { SavedUnit } from '../state/container'
import { deepCopy } from '../state/plain-data'
import { SavedStateUnitError } from '../state/state-errors'
import { TimerQueue } from '../time/timer-queue'
import type { VirtualTimer } from '../time/timer-queue'
import { VirtualClock } from '../time/virtual-clock'
import type { FirmwareRegisterAccess } from '../em/cpu-contract'
import { adaptWidths, onesOf } from '../io/access-split'
import { resolveConfig } from './config-schema'
import type { ConfigSchema } from './config-schema'
import type {
  Contract,
  DeviceContext,
  DeviceDefinition,
  DeviceInstance,
  DeviceLogger,
  FirmwareRegisters,
  IoRegion,
  ResetKind,
} from './device'
import { normalizeResetKind } from './device'
import { createDmaView } from './dma-view'
import { createSeededRandom } from './seeded-random'

/** Log levels of {@link LogEntry}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One log message from a device or the VMM. */
export interface LogEntry {
  readonly level: LogLevel
  /** 'i8254#0' for devices, 'vmm' for the core. */
  readonly source: string
  readonly message: string
  readonly data?: Readonly<Record<string, unknown>>
}

/** Stable codes of {@link DeviceHostError}. */
export type DeviceHostErrorCode =
  'DEVICE_INSTANCE' | 'DEVICE_FROZEN' | 'DEVICE_BACKEND_MISMATCH' | 'DEVICE_SERVICE_TAKEN' | 'DEVICE_REGION'

/** Errors of device hosting (bad instance numbers, misuse of the context). */
export class DeviceHostError extends Error {
  override readonly name = 'DeviceHostError'
  readonly code: DeviceHostErrorCode
  constructor(code: DeviceHostErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** How one device instance is added. */
export interface AddDeviceOptions {
  readonly instance?: number
  /** Raw config values (validated against the definition's schema; unknown keys rejected). */
  readonly config?: Readonly<Record<string, unknown>>
  /** Backends attached by LUN. */
  readonly luns?: Readonly<Record<number, unknown>>
}

/** A device the host created. */
export interface HostedDevice {
  readonly definition: DeviceDefinition
  readonly instance: number
  readonly config: Readonly<Record<string, unknown>>
  readonly device: DeviceInstance
  /** Every port range, MMIO region and ROM the device created (the testkit fuzzes these). */
  readonly regions: readonly HostedRegion[]
}

/** A region a device created, with its kind. */
export interface HostedRegion extends IoRegion {
  readonly kind: 'ports' | 'mmio' | 'rom' | 'firmware-calls'
}

/** Options of a {@link DeviceHost}. */
export interface DeviceHostOptions {
  readonly memory: GuestMemory
  /** Seed of every device's random source (default 0). */
  readonly seed?: number
  readonly log?: (entry: LogEntry) => void
  readonly irqLines?: number
  readonly clock?: VirtualClock
  /** Back `allocateBuffer` with SharedArrayBuffers (the machine runs on a worker; default false). */
  readonly sharedBuffers?: boolean
}

/** Owns the platform parts devices see, and the devices. */
export class DeviceHost {
  readonly ports = new PortSpace()
  readonly irqs: IrqRouter
  readonly clock: VirtualClock
  readonly timers: TimerQueue
  readonly memory: GuestMemory
  /** Set by the machine once the CPU exists (firmware calls need it). */
  firmwareRegisters: FirmwareRegisterAccess | undefined
  /** Called when a device requests a reset or a power-off (the execution loop acts at the end of the slice). */
  onResetRequest: ((kind: ResetKind) => void) | undefined
  onPowerOffRequest: (() => void) | undefined

  private readonly hosted: HostedDevice[] = []
  private readonly timersOf = new Map<HostedDevice, VirtualTimer[]>()
  private readonly services = new Map<string, { owner: string; implementation: unknown }>()
  private readonly seed: number
  private readonly logSink: (entry: LogEntry) => void
  private frozen = false
  private readonly sharedBuffers: boolean

  constructor(options: DeviceHostOptions) {
    this.memory = options.memory
    this.seed = options.seed ?? 0
    this.logSink = options.log ?? (() => {})
    this.sharedBuffers = options.sharedBuffers === true
    this.irqs = new IrqRouter(options.irqLines)
    this.clock = options.clock ?? new VirtualClock()
    this.timers = new TimerQueue(this.clock)
  }

  /** The devices, in creation order. */
  get devices(): readonly HostedDevice[] {
    return this.hosted
  }

  /** Logs on behalf of the VMM. */
  log(level: LogLevel, source: string, message: string, data?: Readonly<Record<string, unknown>>): void {
    this.logSink(data === undefined ? { level, source, message } : { level, source, message, data })
  }

  /** Instantiates a device: validates its config, builds its context and runs `create`. */
  addDevice<S extends object, C extends ConfigSchema>(
    definition: DeviceDefinition<S, C>,
    options: AddDeviceOptions = {},
  ): HostedDevice {
    if (this.frozen) throw new DeviceHostError('DEVICE_FROZEN', `cannot add ${definition.name} after power-on`)
    const instance = options.instance ?? this.hosted.filter((d) => d.definition.name === definition.name).length
    if (!Number.isInteger(instance) || instance < 0 || instance >= definition.maxInstances) {
      throw new DeviceHostError(
        'DEVICE_INSTANCE',
        `${definition.name}: instance ${instance} is outside 0..${definition.maxInstances - 1}`,
      )
    }
    if (this.hosted.some((d) => d.definition.name === definition.name && d.instance === instance)) {
      throw new DeviceHostError('DEVICE_INSTANCE', `${definition.name}#${instance} exists already`)
    }
    const config = resolveConfig(`${definition.name}#${instance}`, definition.config, options.config)
    const regions: HostedRegion[] = []
    const timers: VirtualTimer[] = []
    const ctx = this.createContext(definition.name, instance, options.luns ?? {}, regions, timers)
    let device: DeviceInstance<S>
    try {
      device = definition.create(ctx, config)
    } catch (error) {
      // A device that fails to construct leaves nothing mapped or armed behind.
      for (const region of regions) region.unmap()
      for (const timer of timers) timer.cancel()
      throw error
    }
    const hosted: HostedDevice = {
      definition: definition as unknown as DeviceDefinition,
      instance,
      config: config as Readonly<Record<string, unknown>>,
      device: device as DeviceInstance,
      regions,
    }
    this.hosted.push(hosted)
    this.timersOf.set(hosted, timers)
    return hosted
  }

  /** Power-on: no more ports, regions, IRQ drivers or timers may be created. */
  freeze(): void {
    this.frozen = true
    this.ports.freeze()
  }

  /**
   * The two-phase reset (STYLE §3.5): line levels drop silently, every device runs `reset(kind)`, then every
   * device runs `afterReset(kind)`. Unknown kinds count as 'hard'.
   */
  reset(kind: ResetKind): void {
    const k = normalizeResetKind(kind)
    this.irqs.dropAllLevelsSilently()
    for (const d of this.hosted) d.device.reset(k)
    for (const d of this.hosted) d.device.afterReset?.(k)
  }

  /** Saves every device as a unit {name, instance, version, bytes} (config section first). */
  saveUnits(): SavedUnit[] {
    return this.hosted.map((d) => ({
      name: d.definition.name,
      instance: d.instance,
      version: d.definition.savedState.version,
      bytes: d.definition.savedState.encode(d.device.state, d.config),
    }))
  }

  /**
   * Checks device units against this machine (one unit per device, no strangers, version, config and payload
   * of each) without changing anything. Throws the first problem.
   */
  validateUnits(units: readonly SavedUnit[]): { d: HostedDevice; unit: SavedUnit }[] {
    const byKey = new Map<string, SavedUnit>()
    for (const unit of units) {
      const key = `${unit.name}#${unit.instance}`
      if (byKey.has(key)) throw new SavedStateUnitError('SAVED_STATE_DUPLICATE_UNIT', `unit ${key} appears twice`)
      if (!this.hosted.some((d) => d.definition.name === unit.name && d.instance === unit.instance)) {
        throw new SavedStateUnitError('SAVED_STATE_UNKNOWN_UNIT', `unit ${key} belongs to no device of this machine`)
      }
      byKey.set(key, unit)
    }
    return this.hosted.map((d) => {
      const unit = byKey.get(`${d.definition.name}#${d.instance}`)
      if (!unit) {
        throw new SavedStateUnitError(
          'SAVED_STATE_MISSING_UNIT',
          `the saved state has no unit for ${d.definition.name}#${d.instance}`,
        )
      }
      d.definition.savedState.decodeInto(deepCopy(d.device.state), unit.bytes, unit.version, d.config)
      return { d, unit }
    })
  }

  /**
   * Loads device units. Every unit is validated (version, config, payload) before any device changes; then
   * timers are cancelled, line levels drop silently, states load in place and every `afterLoad` runs.
   */
  loadUnits(units: readonly SavedUnit[]): void {
    const plan = this.validateUnits(units)
    for (const timers of this.timersOf.values()) for (const t of timers) t.cancel()
    this.irqs.dropAllLevelsSilently()
    for (const { d, unit } of plan) d.definition.savedState.decodeInto(d.device.state, unit.bytes, unit.version)
    for (const { d } of plan) d.device.afterLoad?.()
  }

  /** Calls every device's `destroy`. */
  destroy(): void {
    for (const d of this.hosted) d.device.destroy?.()
  }

  private createContext(
    name: string,
    instance: number,
    luns: Readonly<Record<number, unknown>>,
    regions: HostedRegion[],
    timers: VirtualTimer[],
  ): DeviceContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getters and methods close over the host
    const host = this
    const source = `${name}#${instance}`
    const log: DeviceLogger = {
      debug: (m, data) => host.log('debug', source, m, data),
      info: (m, data) => host.log('info', source, m, data),
      warn: (m, data) => host.log('warn', source, m, data),
      error: (m, data) => host.log('error', source, m, data),
    }
    const notFrozen = (what: string) => {
      if (host.frozen) throw new DeviceHostError('DEVICE_FROZEN', `${source}: cannot create ${what} after power-on`)
    }
    const tryMapping = (region: HostedRegion, base: number): boolean => {
      try {
        region.map(base)
        return true
      } catch (error) {
        region.unmap()
        log.warn(`${region.kind} "${region.description}" not mapped at ${String(base)}: ${(error as Error).message}`)
        return false
      }
    }
    const memoryRegion = (
      kind: 'mmio' | 'rom',
      size: number,
      description: string,
      mapAt: (gpa: number) => MemoryMapping,
    ): HostedRegion => {
      notFrozen(kind)
      if (!Number.isInteger(size) || size < 1 || description.length === 0 || description.length >= 128) {
        throw new DeviceHostError('DEVICE_REGION', `${source}: bad ${kind} region "${description}" of ${size} bytes`)
      }
      let mapping: MemoryMapping | undefined
      const region: HostedRegion = {
        kind,
        description,
        size,
        get base() {
          return mapping?.gpa
        },
        map(gpa: number) {
          mapping?.unmap()
          mapping = undefined
          mapping = mapAt(gpa)
        },
        tryMap: (gpa: number) => tryMapping(region, gpa),
        unmap() {
          mapping?.unmap()
          mapping = undefined
        },
      }
      regions.push(region)
      return region
    }
    const portRegion = (
      kind: 'ports' | 'firmware-calls',
      count: number,
      handlers: Parameters<PortSpace['createRange']>[1],
      description: string,
    ): HostedRegion => {
      const range = host.ports.createRange(count, handlers, `${description}`)
      const region: HostedRegion = {
        kind,
        description,
        size: count,
        get base() {
          return range.base
        },
        map: (base) => range.map(base),
        tryMap: (base) => tryMapping(region, base),
        unmap: () => range.unmap(),
      }
      regions.push(region)
      return region
    }
    let dma: ReturnType<typeof createDmaView> | undefined
    return {
      name,
      instance,
      log,
      clock: host.clock,
      random: createSeededRandom(host.seed, source),
      get dma() {
        dma ??= createDmaView(host.memory, source)
        return dma
      },
      machine: {
        requestReset: (kind) => host.onResetRequest?.(normalizeResetKind(kind ?? 'hard')),
        requestPowerOff: () => host.onPowerOffRequest?.(),
        setA20: (enabled) => host.memory.setA20(enabled),
        get a20Enabled() {
          return host.memory.a20Enabled
        },
      },
      allocateBuffer(sizeBytes) {
        if (!Number.isInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > 0x4000_0000) {
          throw new DeviceHostError('DEVICE_REGION', `${source}: buffer of ${String(sizeBytes)} bytes`)
        }
        return new Uint8Array(host.sharedBuffers ? new SharedArrayBuffer(sizeBytes) : new ArrayBuffer(sizeBytes))
      },
      ioPorts: (count, handlers, description) => portRegion('ports', count, handlers, description),
      mmio(sizeBytes, handlers, description) {
        const full = adaptWidths(handlers)
        return memoryRegion('mmio', sizeBytes, description, (gpa) =>
          host.memory.mapMmio(gpa, sizeBytes, full, description),
        )
      },
      rom(image, description) {
        const copy = image.slice()
        return memoryRegion('rom', copy.length, description, (gpa) => host.memory.mapRom(gpa, copy, description))
      },
      irq(line) {
        notFrozen('IRQ lines')
        return host.irqs.createDriver(line)
      },
      timer(timerName, onExpire) {
        notFrozen('timers')
        const timer = host.timers.createTimer(`${source}/${timerName}`, onExpire)
        timers.push(timer)
        return timer
      },
      attach<T>(lun: number, contract: Contract<T>): T | undefined {
        const backend = luns[lun]
        if (backend === undefined) return undefined
        if (!contract.is(backend)) {
          throw new DeviceHostError(
            'DEVICE_BACKEND_MISMATCH',
            `${source}: the backend at LUN#${lun} does not implement ${contract.name}`,
          )
        }
        return backend
      },
      provide<T>(contract: Contract<T>, implementation: T): void {
        const taken = host.services.get(contract.name)
        if (taken) {
          throw new DeviceHostError('DEVICE_SERVICE_TAKEN', `${source}: ${contract.name} is provided by ${taken.owner}`)
        }
        host.services.set(contract.name, { owner: source, implementation })
      },
      service<T>(contract: Contract<T>): T | undefined {
        const entry = host.services.get(contract.name)
        if (entry === undefined) return undefined
        return contract.is(entry.implementation) ? entry.implementation : undefined
      },
      interruptController(role) {
        if (role.cpu) host.irqs.setInterruptSource(role.cpu, source)
        if (role.receiver) host.irqs.addReceiver(role.receiver)
        return { changed: () => host.irqs.notify() }
      },
      firmwareCalls(count, handler, description) {
        const regs: FirmwareRegisters = {
          eax: 0,
          ebx: 0,
          ecx: 0,
          edx: 0,
          esi: 0,
          edi: 0,
          ebp: 0,
          esp: 0,
          eip: 0,
          eflags: 0,
          cs: 0,
          ds: 0,
          es: 0,
          ss: 0,
          fs: 0,
          gs: 0,
        }
        return portRegion(
          'firmware-calls',
          count,
          {
            read: (_offset, size) => onesOf(size),
            write(offset, value, size) {
              const access = host.firmwareRegisters
              if (access === undefined) {
                // A configuration problem, not the guest's: report it and leave the guest running.
                host.log('error', source, 'firmware call ignored: the CPU offers no register access', { offset })
                return
              }
              access.readFirmwareRegisters(regs)
              handler({ offset, value, size, regs })
              access.writeFirmwareRegisters(regs)
            },
          },
          description,
        )
      },
    }
  }
}
