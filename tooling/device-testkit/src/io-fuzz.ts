// The generic seeded I/O fuzz every device test calls (VirtualBox tstDeviceIoFuzz, QEMU fuzz_registers):
// random reads and writes of every width to every port range and MMIO region the devices registered, with
// virtual time moving in between. Properties: nothing throws, every read is an integer of the access width,
// and save → load → save is byte-identical afterwards.
import fc from 'fast-check'
import type { AccessSize } from '@boxwood/vmm/device-api'
import type { TestMachine } from './test-machine'

/** Options of {@link fuzzDeviceIo}. */
export interface IoFuzzOptions {
  /** fast-check seed (default 0x123456789 & 0x7fffffff, as VirtualBox's fuzzer). */
  readonly seed?: number
  /** Fresh machines to fuzz (default 100). */
  readonly runs?: number
  /** Maximum operations per machine (default 200). */
  readonly maxOperations?: number
  /** Maximum virtual time step between operations, in ns (default 10 ms). */
  readonly maxStepNs?: number
  /** Also write to firmware-call ranges (default false: their handlers act on registers the test set up). */
  readonly includeFirmwareCalls?: boolean
}

/** What the fuzzer did. */
export interface IoFuzzReport {
  readonly runs: number
  readonly reads: number
  readonly writes: number
  readonly regions: number
}

interface Operation {
  readonly region: number
  readonly offset: number
  readonly size: AccessSize
  readonly write: boolean
  readonly value: number
  readonly stepNs: number
}

const SIZES: readonly AccessSize[] = [1, 2, 4]

/**
 * Fuzzes the I/O of machines made by `makeMachine` (called once per run, so failures shrink on a fresh
 * machine). Throws fast-check's report, with the seed and the shrunk operation list, on a failure.
 */
export function fuzzDeviceIo(makeMachine: () => TestMachine, options: IoFuzzOptions = {}): IoFuzzReport {
  const probe = makeMachine()
  const targets = probe
    .regions()
    .filter((r) => r.base !== undefined && r.kind !== 'rom')
    .filter((r) => options.includeFirmwareCalls === true || r.kind !== 'firmware-calls')
  if (targets.length === 0) throw new Error('fuzzDeviceIo: the devices mapped no port range or MMIO region')
  const descriptions = targets.map((r) => `${r.kind}:${r.description}`)

  const operation = fc.record<Operation>({
    region: fc.nat(targets.length - 1),
    offset: fc.nat(0xffff),
    size: fc.constantFrom(...SIZES),
    write: fc.boolean(),
    value: fc.nat(0xffff_ffff),
    stepNs: fc.oneof(fc.constant(0), fc.nat(options.maxStepNs ?? 10_000_000)),
  })
  let reads = 0
  let writes = 0
  let runs = 0

  fc.assert(
    fc.property(fc.array(operation, { maxLength: options.maxOperations ?? 200, size: 'max' }), (ops) => {
      runs++
      const m = makeMachine()
      const regions = m.regions().filter((r) => descriptions.includes(`${r.kind}:${r.description}`))
      for (const op of ops) {
        const region = regions[op.region % regions.length]!
        const base = region.base
        if (base === undefined) continue
        const offset = op.offset % region.size
        if (region.kind === 'mmio') {
          const gpa = base + offset
          if (op.write) {
            if (op.size === 1) m.memory.write8(gpa, op.value & 0xff)
            else if (op.size === 2) m.memory.write16(gpa, op.value & 0xffff)
            else m.memory.write32(gpa, op.value)
            writes++
          } else {
            const v =
              op.size === 1 ? m.memory.read8(gpa) : op.size === 2 ? m.memory.read16(gpa) : m.memory.read32(gpa) >>> 0
            checkRead(v, op.size, `${region.description}+${offset}`)
            reads++
          }
        } else {
          const port = (base + offset) & 0xffff
          if (op.write) {
            m.host.ports.ioWrite(port, op.value % 2 ** (op.size * 8), op.size)
            writes++
          } else {
            checkRead(m.host.ports.ioRead(port, op.size), op.size, `port ${port.toString(16)}`)
            reads++
          }
        }
        if (op.stepNs > 0) m.clock.advanceNs(op.stepNs)
      }
      const first = m.saveState()
      m.loadState(first)
      const second = m.saveState()
      if (first.length !== second.length || first.some((b, i) => b !== second[i])) {
        throw new Error('save → load → save is not byte-identical')
      }
    }),
    { seed: options.seed ?? 0x23456789, numRuns: options.runs ?? 100, includeErrorInReport: true },
  )
  return { runs, reads, writes, regions: targets.length }
}

function checkRead(value: number, size: AccessSize, where: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (size * 8)) {
    throw new Error(`${where}: read of size ${size} returned ${String(value)}`)
  }
}
