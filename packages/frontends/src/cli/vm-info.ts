// Gathers what showvminfo prints about a machine, once, for both output formats (VBoxManageInfo.cpp
// showVMInfo; vbox-api.md §5.3).
import { CPUPropertyTypeX86, DeviceType, machineStateShortNames, NATProtocol, PortMode } from '@boxwood/main-api/client'
import type { IMachine, IMedium, ISnapshot, IVirtualBox } from '@boxwood/main-api/client'
import {
  authTypeNames,
  bootDeviceNames,
  chipsetNames,
  controllerTypeNames,
  firmwareDisplay,
  graphicsControllerNames,
  nicAttachmentNames,
  nicTypeNames,
  uartTypeNames,
} from './names'
import { choiceName } from './options'

/** One machine-readable field; `human` is its label in the human-readable format when it has one. */
export interface InfoField {
  readonly key: string
  readonly value: string | number
  readonly quoteKey?: boolean
  readonly human?: readonly [label: string, value: string]
}

const onOff = (b: boolean) => (b ? 'on' : 'off')

/** VBoxManage's VMStateChangeTime format: ISO 8601 with nanoseconds and no zone letter. */
export function stateChangeTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}000000`
}

/** Facts only a running VM's console knows. */
export interface RuntimeInfo {
  /** The port the remote display server listens on (0 = failed to start, -1 = not running). */
  readonly vrdePort: number
}

/** Collects the fields of `machine` in VBoxManage's order. */
export async function collectVmInfo(vbox: IVirtualBox, machine: IMachine, runtime?: RuntimeInfo): Promise<InfoField[]> {
  const f: InfoField[] = []
  const add = (key: string, value: string | number, human?: readonly [string, string], quoteKey = false) =>
    f.push({ key, value, quoteKey, ...(human ? { human } : {}) })

  const name = await machine.getName()
  add('name', name, ['Name:', name])
  const groups = await machine.getGroups()
  add('groups', groups.join(',') || '/', ['Groups:', groups.join(',') || '/'])
  add('platformArchitecture', 'x86', ['Platform Architecture:', 'x86'])
  const osTypeId = await machine.getOSTypeId()
  const osDescription = await vbox
    .getGuestOSType(osTypeId)
    .then((t) => t.description)
    .catch(() => osTypeId)
  add('ostype', osDescription, ['Guest OS:', osDescription])
  const id = await machine.getId()
  add('UUID', id, ['UUID:', id])
  const cfg = await machine.getSettingsFilePath()
  add('CfgFile', cfg, ['Config file:', cfg])
  const snapFolder = await machine.getSnapshotFolder()
  add('SnapFldr', snapFolder, ['Snapshot folder:', snapFolder])
  const logFolder = await machine.getLogFolder()
  add('LogFldr', logFolder, ['Log folder:', logFolder])
  const hwUuid = await machine.getHardwareUUID()
  add('hardwareuuid', hwUuid, ['Hardware UUID:', hwUuid])
  const memory = await machine.getMemorySize()
  add('memory', memory, ['Memory size:', `${memory}MB`])
  const graphics = await machine.getGraphicsAdapter()
  const vram = await graphics.getVRAMSize()
  add('vram', vram, ['VRAM size:', `${vram}MB`])
  const cap = await machine.getCPUExecutionCap()
  add('cpuexecutioncap', cap, ['CPU exec cap:', `${cap}%`])
  const platform = await machine.getPlatform()
  const chipset = choiceName(chipsetNames, await platform.getChipsetType())
  add('chipset', chipset, ['Chipset:', chipset])
  const firmware = await machine.getFirmwareSettings()
  const fw = firmwareDisplay[await firmware.getFirmwareType()] ?? 'BIOS'
  add('firmware', fw, ['Firmware:', fw])
  const cpus = await machine.getCPUCount()
  add('cpus', cpus, ['Number of CPUs:', String(cpus)])
  const x86 = await platform.getX86()
  const pae = onOff(await x86.getCPUProperty(CPUPropertyTypeX86.PAE))
  add('pae', pae, ['PAE:', pae])
  const longMode = onOff(await x86.getCPUProperty(CPUPropertyTypeX86.LongMode))
  add('longmode', longMode, ['Long Mode:', longMode])
  const x2apic = onOff(await x86.getCPUProperty(CPUPropertyTypeX86.X2APIC))
  add('x2apic', x2apic, ['X2APIC:', x2apic])
  for (let i = 1; i <= 4; i++) {
    const device = choiceName(bootDeviceNames, await machine.getBootOrder(i), 'none')
    add(`boot${i}`, device, [
      `Boot Device ${i}:`,
      device === 'disk' ? 'HardDisk' : device === 'dvd' ? 'DVD' : device === 'none' ? 'Not Assigned' : device,
    ])
  }
  const acpi = onOff(await firmware.getACPIEnabled())
  add('acpi', acpi, ['ACPI:', acpi])
  const ioapic = onOff(await firmware.getIOAPICEnabled())
  add('ioapic', ioapic, ['IOAPIC:', ioapic])
  const hpet = onOff(await x86.getHPETEnabled())
  add('hpet', hpet, ['HPET:', hpet])
  const utc = onOff(await platform.getRTCUseUTC())
  add('rtcuseutc', utc, ['RTC:', utc === 'on' ? 'UTC' : 'local time'])

  const state = await machine.getState()
  const stateName = machineStateShortNames[state] ?? 'null'
  const changed = await machine.getLastStateChange()
  add('VMState', stateName, ['State:', `${humanState(stateName)} (since ${stateChangeTime(changed)})`])
  add('VMStateChangeTime', stateChangeTime(changed))
  const stateFile = await machine.getStateFilePath()
  if (stateFile) add('VMStateFile', stateFile, ['State file:', stateFile])
  const sessionName = await machine.getSessionName()
  if (sessionName) add('SessionName', sessionName, ['Session name:', sessionName])

  const controllerType = choiceName(graphicsControllerNames, await graphics.getGraphicsControllerType(), 'none')
  const graphicsDisplay: Record<string, string> = {
    none: 'Null',
    vboxvga: 'VBoxVGA',
    vmsvga: 'VMSVGA',
    vboxsvga: 'VBoxSVGA',
    qemuramfb: 'QemuRamFB',
  }
  add('graphicscontroller', controllerType, ['Graphics Controller:', graphicsDisplay[controllerType] ?? controllerType])
  const monitors = await graphics.getMonitorCount()
  add('monitorcount', monitors, ['Monitor count:', String(monitors)])

  await addStorage(f, add, machine)
  await addNetwork(add, machine)
  await addSerial(add, machine)
  const audio = await machine.getAudioSettings()
  add('audio', (await audio.getEnabled()) ? 'null' : 'none', [
    'Audio:',
    (await audio.getEnabled()) ? 'enabled' : 'disabled',
  ])
  await addVrde(add, machine, runtime)
  const description = await machine.getDescription()
  if (description) add('description', description, ['Description:', description])
  await addSnapshots(add, machine)
  return f
}

type Add = (key: string, value: string | number, human?: readonly [string, string], quoteKey?: boolean) => void

function humanState(short: string): string {
  const names: Record<string, string> = {
    poweroff: 'powered off',
    running: 'running',
    paused: 'paused',
    aborted: 'aborted',
    saved: 'saved',
    starting: 'starting',
    stopping: 'stopping',
    gurumeditation: 'guru meditation',
  }
  return names[short] ?? short
}

async function addStorage(f: InfoField[], add: Add, machine: IMachine): Promise<void> {
  const controllers = await machine.getStorageControllers()
  for (const [i, c] of controllers.entries()) {
    const [name, type, instance, maxPorts, ports, bootable] = await Promise.all([
      c.getName(),
      c.getControllerType(),
      c.getInstance(),
      c.getMaxPortCount(),
      c.getPortCount(),
      c.getBootable(),
    ])
    const typeName = choiceName(controllerTypeNames, type)
    add(`storagecontrollername${i}`, name, [
      `#${i}:`,
      `'${name}', Type: ${typeName}, Instance: ${instance}, Ports: ${ports} (max ${maxPorts}), ${bootable ? 'Bootable' : 'Not bootable'}`,
    ])
    add(`storagecontrollertype${i}`, typeName)
    add(`storagecontrollerinstance${i}`, String(instance))
    add(`storagecontrollermaxportcount${i}`, String(maxPorts))
    add(`storagecontrollerportcount${i}`, String(ports))
    add(`storagecontrollerbootable${i}`, onOff(bootable))
  }
  if (controllers.length > 0) f.push({ key: '', value: '', human: ['Storage Controllers:', ''] })
  for (const c of controllers) {
    const name = await c.getName()
    const [ports, perPort] = await Promise.all([c.getPortCount(), c.getMaxDevicesPerPortCount()])
    const attachments = await machine.getMediumAttachmentsOfController(name)
    for (let port = 0; port < ports; port++) {
      for (let device = 0; device < perPort; device++) {
        const a = attachments.find((x) => x.port === port && x.device === device)
        const slot = `${name}-${port}-${device}`
        if (!a) {
          add(slot, 'none', undefined, true)
          continue
        }
        const medium: IMedium | null = a.medium
        const location = medium ? await medium.getLocation() : 'emptydrive'
        const mediumId = medium ? await medium.getId() : ''
        add(
          slot,
          location,
          [`${name} (${port}, ${device}):`, medium ? `${location} (UUID: ${mediumId})` : 'Empty'],
          true,
        )
        if (medium) add(`${name}-ImageUUID-${port}-${device}`, mediumId, undefined, true)
        if (a.type === DeviceType.DVD) {
          add(`${name}-tempeject-${port}-${device}`, onOff(a.temporaryEject), undefined, true)
          add(`${name}-IsEjected-${port}-${device}`, onOff(a.isEjected), undefined, true)
        } else if (a.type === DeviceType.HardDisk) {
          add(`${name}-nonrotational-${port}-${device}`, onOff(a.nonRotational), undefined, true)
          add(`${name}-discard-${port}-${device}`, onOff(a.discard), undefined, true)
        }
      }
    }
  }
}

async function addNetwork(add: Add, machine: IMachine): Promise<void> {
  for (let slot = 0; slot < 8; slot++) {
    const n = slot + 1
    const adapter = await machine.getNetworkAdapter(slot).catch(() => undefined)
    if (!adapter) break
    if (!(await adapter.getEnabled())) {
      add(`nic${n}`, 'none', [`NIC ${n}:`, 'disabled'])
      continue
    }
    const attachment = choiceName(nicAttachmentNames, await adapter.getAttachmentType(), 'null')
    const mac = (await adapter.getMACAddress()).replace(/:/g, '').toUpperCase()
    const type = choiceName(nicTypeNames, await adapter.getAdapterType())
    const cable = onOff(await adapter.getCableConnected())
    if (attachment === 'nat') add(`natnet${n}`, 'nat')
    else if (attachment === 'bridged') add(`bridgeadapter${n}`, await adapter.getBridgedInterface())
    else if (attachment === 'intnet') add(`intnet${n}`, await adapter.getInternalNetwork())
    else if (attachment === 'hostonly') add(`hostonlyadapter${n}`, await adapter.getHostOnlyInterface())
    else if (attachment === 'generic') add(`generic${n}`, await adapter.getGenericDriver())
    add(`macaddress${n}`, mac)
    add(`cableconnected${n}`, cable)
    add(`nic${n}`, attachment, [
      `NIC ${n}:`,
      `MAC: ${mac}, Attachment: ${attachment === 'nat' ? 'NAT' : attachment}, Cable connected: ${cable}, Type: ${type}`,
    ])
    add(`nictype${n}`, type)
    add(`nicspeed${n}`, String(await adapter.getLineSpeed()))
    if (attachment === 'nat') {
      const redirects = await (await adapter.getNATEngine()).getRedirects()
      redirects.forEach((r, i) => {
        // The API gives name,proto(number),hostip,hostport,guestip,guestport; VBoxManage prints tcp/udp.
        const parts = r.split(',')
        if (parts[1] === String(NATProtocol.TCP)) parts[1] = 'tcp'
        else if (parts[1] === String(NATProtocol.UDP)) parts[1] = 'udp'
        add(`Forwarding(${i})`, parts.join(','), [`NIC ${n} Rule(${i}):`, parts.join(',')])
      })
    }
  }
}

async function addSerial(add: Add, machine: IMachine): Promise<void> {
  for (let slot = 0; slot < 4; slot++) {
    const n = slot + 1
    const port = await machine.getSerialPort(slot)
    if (!(await port.getEnabled())) {
      add(`uart${n}`, 'off', [`UART ${n}:`, 'disabled'])
      continue
    }
    const [io, irq, mode, server, path, type] = await Promise.all([
      port.getIOAddress(),
      port.getIRQ(),
      port.getHostMode(),
      port.getServer(),
      port.getPath(),
      port.getUartType(),
    ])
    const ioHex = `0x${io.toString(16).padStart(4, '0')}`
    add(`uart${n}`, `${ioHex},${irq}`)
    let modeValue: string
    switch (mode) {
      case PortMode.Disconnected:
        modeValue = 'disconnected'
        break
      case PortMode.HostPipe:
        modeValue = `${server ? 'server' : 'client'},${path}`
        break
      case PortMode.TCP:
        modeValue = `${server ? 'tcpserver' : 'tcpclient'},${path}`
        break
      case PortMode.RawFile:
        modeValue = `file,${path}`
        break
      default:
        modeValue = path
    }
    add(`uartmode${n}`, modeValue)
    const typeName = choiceName(uartTypeNames, type)
    add(`uarttype${n}`, typeName, [
      `UART ${n}:`,
      `I/O base: ${ioHex}, IRQ: ${irq}, ${modeValue.replace(',', " '")}${modeValue.includes(',') ? "'" : ''}, type ${typeName}`,
    ])
  }
}

async function addVrde(add: Add, machine: IMachine, runtime: RuntimeInfo | undefined): Promise<void> {
  const vrde = await machine.getVRDEServer()
  const enabled = await vrde.getEnabled()
  const ports = (await vrde.getVRDEProperty('TCP/Ports')) || '3389'
  const address = await vrde.getVRDEProperty('TCP/Address')
  const auth = choiceName(authTypeNames, await vrde.getAuthType())
  const multi = onOff(await vrde.getAllowMultiConnection())
  const reuse = onOff(await vrde.getReuseSingleConnection())
  add('vrde', onOff(enabled), [
    'VRDE:',
    enabled
      ? `enabled (Address ${address || '0.0.0.0'}, Ports ${ports}, MultiConn: ${multi}, ReuseSingleConn: ${reuse}, Authentication type: ${auth})`
      : 'disabled',
  ])
  if (!enabled) return
  const port = runtime?.vrdePort ?? -1
  add('vrdeport', port, runtime ? ['VRDE port:', String(port)] : undefined)
  add('vrdeports', ports)
  add('vrdeaddress', address || '0.0.0.0')
  add('vrdeauthtype', auth)
  add('vrdemulticon', multi)
  add('vrdereusecon', reuse)
  add('vrdevideochannel', 'off')
  const extPack = await vrde.getVRDEExtPack()
  if (extPack) add('vrdeextpack', extPack, ['VRDE Extension Pack:', extPack])
  for (const key of await vrde.getVRDEProperties()) {
    const value = await vrde.getVRDEProperty(key)
    if (value !== '') add(`vrdeproperty[${key}]`, value, [`VRDE property ${key.padEnd(14)}:`, `"${value}"`])
  }
}

async function addSnapshots(add: Add, machine: IMachine): Promise<void> {
  const current = await machine.getCurrentSnapshot()
  if (!current) return
  let root: ISnapshot = current
  for (let p = await root.getParent(); p; p = await p.getParent()) root = p
  const currentId = await current.getId()
  let currentNode = ''
  const walk = async (s: ISnapshot, suffix: string): Promise<void> => {
    const [name, id, description] = await Promise.all([s.getName(), s.getId(), s.getDescription()])
    add(`SnapshotName${suffix}`, name)
    add(`SnapshotUUID${suffix}`, id)
    if (description) add(`SnapshotDescription${suffix}`, description)
    if (id === currentId) currentNode = `SnapshotName${suffix}`
    const children = await s.getChildren()
    for (const [i, child] of children.entries()) await walk(child, `${suffix}-${i + 1}`)
  }
  await walk(root, '')
  add('CurrentSnapshotName', await current.getName())
  add('CurrentSnapshotUUID', currentId)
  add('CurrentSnapshotNode', currentNode)
}
