// The built-in machine driver: the PC of @boxwood/devices (i440FX/PIIX3, Boxwood BIOS or a BIOS ROM, VGA, PS/2
// keyboard and mouse, IDE and floppy, ACPI, COM ports) on the @boxwood/vmm CPU, driven in real time on the VM
// process's event loop. Maps the machine settings onto the PC config the way VirtualBox's ConsoleImplConfigX86.cpp
// builds CFGM.
import { buildPcConfig, createAcpiButtons, createInputPort, createPcMachine } from '@boxwood/devices'
import type { CharBackend, DevicesTree, DisplaySource, VgaInstance } from '@boxwood/devices'
import {
  createDisconnectedSerial,
  createFileSerial,
  createTcpClientSerial,
  createTcpServerSerial,
} from '@boxwood/devices/node'
import { createUnixClientSerial, createUnixServerSerial } from '@boxwood/devices/node'
import { VmRunner } from '@boxwood/vmm'
import { VBoxError } from '../api/errors'
import { PortMode } from '../api/machine-enums'
import type { SerialPortSettings } from '../settings/machine-settings'
import type { MachineDriver, MachineDriverConfig, MachineDriverEvent } from './machine-driver'
import { choosePcFirmware, cmosBootOrder } from './pc-boot'
import { openPcStorage } from './pc-storage'

/** Largest VRAM the VGA device takes (MiB). */
const MAX_VGA_VRAM_MB = 64

function serialBackend(port: SerialPortSettings): CharBackend & { ready?: Promise<void> } {
  switch (port.hostMode) {
    case PortMode.Disconnected:
      return createDisconnectedSerial()
    case PortMode.RawFile:
      return createFileSerial(port.path)
    case PortMode.TCP: {
      // VirtualBox's TCP mode: path is "port" (server) or "host:port" (client).
      const match = /^(?:(.*):)?(\d+)$/.exec(port.path)
      if (!match)
        throw new VBoxError('E_INVALIDARG', `Invalid TCP address '${port.path}' for COM${port.slot + 1}`, 'Console')
      const tcpPort = Number(match[2])
      return port.server
        ? createTcpServerSerial(tcpPort, match[1] || '127.0.0.1')
        : createTcpClientSerial(tcpPort, match[1] || '127.0.0.1')
    }
    case PortMode.HostPipe:
      return port.server ? createUnixServerSerial(port.path) : createUnixClientSerial(port.path)
    default:
      throw new VBoxError('VBOX_E_NOT_SUPPORTED', `The host mode of COM${port.slot + 1} is not supported`, 'Console')
  }
}

/** Creates the PC for a machine. */
export async function createPcDriver(config: MachineDriverConfig): Promise<MachineDriver> {
  const hw = config.settings.hardware
  const firmware = await choosePcFirmware(config)
  const storage = await openPcStorage(config)
  const backends: Array<CharBackend & { ready?: Promise<void>; closed?: Promise<void> }> = []
  const serial: Record<number, { config: Record<string, number>; luns: Record<number, CharBackend> }> = {}
  try {
    for (const port of hw.serial) {
      if (!port.enabled) continue
      const backend = serialBackend(port)
      backends.push(backend)
      serial[port.slot] = { config: { base: port.ioAddress, irq: port.irq }, luns: { 0: backend } }
    }
    await Promise.all(backends.map((b) => b.ready))
  } catch (error) {
    for (const b of backends) b.close()
    await storage.close()
    throw error instanceof VBoxError
      ? error
      : new VBoxError('VBOX_E_IPRT_ERROR', `Cannot open a serial port backend: ${(error as Error).message}`, 'Console')
  }
  const input = createInputPort()
  const buttons = createAcpiButtons()
  const ramBytes = hw.memorySize * 1024 * 1024
  const extraDevices: DevicesTree = Object.keys(serial).length > 0 ? { serial } : {}
  const tree = buildPcConfig({
    ramBytes,
    firmware,
    startTime: Math.floor(Date.now() / 1000),
    input,
    buttons,
    apic: hw.ioapic,
    vga: { vramMB: Math.max(1, Math.min(MAX_VGA_VRAM_MB, hw.vramSize)) },
    ide: storage.ide,
    floppies: storage.floppies,
    cmos: { bootOrder: cmosBootOrder(hw.bootOrder) },
    extraDevices,
  })
  let pc: ReturnType<typeof createPcMachine>
  try {
    pc = createPcMachine({ ...tree, time: { kind: 'realtime', host: { nowNs: () => performance.now() * 1e6 } } })
  } catch (error) {
    for (const b of backends) b.close()
    await storage.close()
    throw new VBoxError('VBOX_E_PDM_ERROR', `Cannot build the PC: ${(error as Error).message}`, 'Console')
  }
  const vm = pc.vm
  const vga = vm.host.devices.find((d) => d.definition.name === 'vga')?.device as VgaInstance | undefined
  const display: DisplaySource | undefined = vga?.display
  const runner = new VmRunner(vm)
  let listener: ((event: MachineDriverEvent) => void) | undefined
  let stopping = false
  vm.onStateChange((state) => {
    if (state === 'stuck')
      listener?.({ kind: 'guruMeditation', message: 'The guest CPU is stuck (triple fault or unrecoverable error)' })
    else if (state === 'powered-off' && !stopping) listener?.({ kind: 'poweredOff' })
  })
  return {
    async powerUp(savedState) {
      if (savedState) {
        try {
          vm.loadState(savedState)
        } catch (error) {
          throw new VBoxError(
            'VBOX_E_FILE_ERROR',
            `The saved state cannot be restored: ${(error as Error).message}`,
            'Console',
          )
        }
      }
      runner.start()
      if (savedState) vm.resume()
    },
    async saveState() {
      if (vm.state === 'running') vm.pause()
      return vm.saveState()
    },
    async powerDown() {
      stopping = true
      if (vm.state !== 'powered-off') vm.powerOff()
      for (const b of backends) b.close()
      await Promise.all(backends.map((b) => b.closed))
      await storage.close()
    },
    async pause() {
      vm.pause()
    },
    async resume() {
      vm.resume()
    },
    async reset() {
      vm.reset('hard')
    },
    async powerButton() {
      return buttons.pressPowerButton()
    },
    display,
    input: input.sink,
    onEvent(l) {
      listener = l
    },
  }
}
