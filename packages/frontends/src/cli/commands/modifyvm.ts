// `boxmanage modifyvm <vm> [options]`: changes the settings of a powered-off VM under a Write lock. Every
// option takes its 7.x hyphenated name and the older run-together alias (VBoxManageModifyVM.cpp;
// vbox-api.md §5.5). All values are parsed before the machine is locked, and a failing setter leaves the
// settings file untouched (unlocking discards unsaved changes).
import { Option, type Command } from 'commander'
import { CPUPropertyTypeX86, PortMode } from '@boxwood/main-api/client'
import type { IMachine } from '@boxwood/main-api/client'
import { findMachine, withWriteLock, type CommandContext } from '../context'
import { UsageError } from '../errors'
import {
  authTypeNames,
  bootDeviceNames,
  chipsetNames,
  firmwareNames,
  graphicsControllerNames,
  nicAttachmentNames,
  nicTypeNames,
  uartTypeNames,
} from '../names'
import { onAction, parseChoice, parseInteger, parseOnOff } from '../options'

/** One modifyvm option: its flags (first = documented name), whether it takes several words, and its effect. */
interface VmOption {
  readonly flags: readonly string[]
  readonly description: string
  readonly arg?: 'value' | 'values' | 'repeat'
  /** Parses the raw value now (syntax errors before locking) and returns the change to apply. */
  readonly parse: (raw: string & string[]) => (m: IMachine) => Promise<void>
}

const onOffOption = (
  flags: string[],
  description: string,
  apply: (m: IMachine, on: boolean) => Promise<void>,
): VmOption => ({
  flags,
  description,
  parse: (raw) => {
    const on = parseOnOff(raw, flags[0] ?? '')
    return (m) => apply(m, on)
  },
})

function vmOptions(): VmOption[] {
  const options: VmOption[] = [
    { flags: ['--name'], description: 'rename the VM', parse: (v) => (m) => m.setName(v) },
    { flags: ['--description'], description: 'description text', parse: (v) => (m) => m.setDescription(v) },
    { flags: ['--os-type', '--ostype'], description: 'guest OS type id', parse: (v) => (m) => m.setOSTypeId(v) },
    {
      flags: ['--memory'],
      description: 'RAM size in MB',
      parse: (v) => {
        const mb = parseInteger(v, '--memory', 1)
        return (m) => m.setMemorySize(mb)
      },
    },
    {
      flags: ['--cpus'],
      description: 'number of virtual CPUs',
      parse: (v) => {
        const n = parseInteger(v, '--cpus', 1)
        return (m) => m.setCPUCount(n)
      },
    },
    {
      flags: ['--cpu-execution-cap', '--cpuexecutioncap'],
      description: 'CPU execution cap in percent (1-100)',
      parse: (v) => {
        const n = parseInteger(v, '--cpu-execution-cap', 1, 100)
        return (m) => m.setCPUExecutionCap(n)
      },
    },
    {
      flags: ['--vram'],
      description: 'video memory in MB',
      parse: (v) => {
        const mb = parseInteger(v, '--vram', 0)
        return async (m) => (await m.getGraphicsAdapter()).setVRAMSize(mb)
      },
    },
    {
      flags: ['--monitor-count', '--monitorcount'],
      description: 'number of monitors',
      parse: (v) => {
        const n = parseInteger(v, '--monitor-count', 1)
        return async (m) => (await m.getGraphicsAdapter()).setMonitorCount(n)
      },
    },
    {
      flags: ['--graphicscontroller', '--graphics-controller'],
      description: 'none|vboxvga|vmsvga|vboxsvga|qemuramfb',
      parse: (v) => {
        const t = parseChoice(v, '--graphicscontroller', graphicsControllerNames)
        return async (m) => (await m.getGraphicsAdapter()).setGraphicsControllerType(t)
      },
    },
    {
      flags: ['--firmware'],
      description: 'bios|efi|efi32|efi64',
      parse: (v) => {
        const t = parseChoice(v, '--firmware', firmwareNames)
        return async (m) => (await m.getFirmwareSettings()).setFirmwareType(t)
      },
    },
    {
      flags: ['--chipset'],
      description: 'piix3|ich9',
      parse: (v) => {
        const t = parseChoice(v, '--chipset', chipsetNames)
        return async (m) => (await m.getPlatform()).setChipsetType(t)
      },
    },
    onOffOption(['--acpi'], 'on|off', async (m, on) => (await m.getFirmwareSettings()).setACPIEnabled(on)),
    onOffOption(['--ioapic'], 'on|off', async (m, on) => (await m.getFirmwareSettings()).setIOAPICEnabled(on)),
    onOffOption(['--x86-pae', '--pae'], 'on|off', async (m, on) =>
      (await (await m.getPlatform()).getX86()).setCPUProperty(CPUPropertyTypeX86.PAE, on),
    ),
    onOffOption(['--x86-long-mode', '--longmode', '--long-mode'], 'on|off', async (m, on) =>
      (await (await m.getPlatform()).getX86()).setCPUProperty(CPUPropertyTypeX86.LongMode, on),
    ),
    onOffOption(['--x86-x2apic', '--x2apic'], 'on|off', async (m, on) =>
      (await (await m.getPlatform()).getX86()).setCPUProperty(CPUPropertyTypeX86.X2APIC, on),
    ),
    onOffOption(['--x86-hpet', '--hpet'], 'on|off', async (m, on) =>
      (await (await m.getPlatform()).getX86()).setHPETEnabled(on),
    ),
    onOffOption(['--rtc-use-utc', '--rtcuseutc'], 'on|off', async (m, on) => (await m.getPlatform()).setRTCUseUTC(on)),
    onOffOption(['--vrde'], 'enable the remote display server (on|off)', async (m, on) =>
      (await m.getVRDEServer()).setEnabled(on),
    ),
    {
      flags: ['--vrde-port', '--vrdeport'],
      description: 'port(s) of the remote display server, e.g. 3389 or 5000-5050 ("default" = 3389)',
      parse: (v) => {
        const ports = v === 'default' ? '' : v
        if (ports !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(ports))
          throw new UsageError(`Invalid --vrde-port value '${v}'`)
        return async (m) => (await m.getVRDEServer()).setVRDEProperty('TCP/Ports', ports)
      },
    },
    {
      flags: ['--vrde-address', '--vrdeaddress'],
      description: 'IP address the remote display server listens on',
      parse: (v) => async (m) => (await m.getVRDEServer()).setVRDEProperty('TCP/Address', v),
    },
    {
      flags: ['--vrde-auth-type', '--vrdeauthtype'],
      description: 'null|external|guest',
      parse: (v) => {
        const t = parseChoice(v, '--vrde-auth-type', authTypeNames)
        return async (m) => (await m.getVRDEServer()).setAuthType(t)
      },
    },
    {
      flags: ['--vrde-extpack', '--vrdeextpack'],
      description: 'remote display protocol: default (RDP) or VNC',
      parse: (v) => async (m) => (await m.getVRDEServer()).setVRDEExtPack(v === 'default' ? '' : v),
    },
    {
      flags: ['--vrde-property', '--vrdeproperty'],
      description: 'a remote display server property <name>=<value> (repeatable)',
      arg: 'repeat',
      parse: (values) => {
        const pairs = (values as string[]).map((pair) => {
          const eq = pair.indexOf('=')
          if (eq <= 0) throw new UsageError(`Invalid --vrde-property '${pair}' (expected <name>=<value>)`)
          return [pair.slice(0, eq), pair.slice(eq + 1)] as const
        })
        return async (m) => {
          const server = await m.getVRDEServer()
          for (const [k, v] of pairs) await server.setVRDEProperty(k, v)
        }
      },
    },
    onOffOption(['--vrde-multi-con', '--vrdemulticon'], 'on|off', async (m, on) =>
      (await m.getVRDEServer()).setAllowMultiConnection(on),
    ),
    onOffOption(['--vrde-reuse-con', '--vrdereusecon'], 'on|off', async (m, on) =>
      (await m.getVRDEServer()).setReuseSingleConnection(on),
    ),
  ]
  for (let i = 1; i <= 4; i++) {
    options.push({
      flags: [`--boot${i}`],
      description: 'none|floppy|dvd|disk|net',
      parse: (v) => {
        const d = parseChoice(v, `--boot${i}`, bootDeviceNames)
        return (m) => m.setBootOrder(i, d)
      },
    })
  }
  for (let i = 1; i <= 4; i++) options.push(...uartOptions(i))
  for (let i = 1; i <= 8; i++) options.push(...nicOptions(i))
  return options
}

function uartOptions(n: number): VmOption[] {
  return [
    {
      flags: [`--uart${n}`],
      description: `off | <I/O base> <IRQ> (e.g. 0x3f8 4) for COM${n}`,
      arg: 'values',
      parse: (values) => {
        const words = values as string[]
        if (words.length === 1 && words[0]?.toLowerCase() === 'off')
          return async (m) => (await m.getSerialPort(n - 1)).setEnabled(false)
        if (words.length !== 2) throw new UsageError(`--uart${n} takes 'off' or '<I/O base> <IRQ>'`)
        const io = parseInteger(words[0] ?? '', `--uart${n} I/O base`, 0, 0xffff)
        const irq = parseInteger(words[1] ?? '', `--uart${n} IRQ`, 0, 255)
        return async (m) => {
          const port = await m.getSerialPort(n - 1)
          await port.setIOAddress(io)
          await port.setIRQ(irq)
          await port.setEnabled(true)
        }
      },
    },
    {
      flags: [`--uart-mode${n}`, `--uartmode${n}`],
      description:
        'disconnected|server <pipe>|client <pipe>|tcpserver <port>|tcpclient <host:port>|file <path>|<device>',
      arg: 'values',
      parse: (values) => {
        const [kind = '', target, ...rest] = values as string[]
        const needsTarget = ['server', 'client', 'tcpserver', 'tcpclient', 'file'].includes(kind.toLowerCase())
        if (rest.length > 0 || (needsTarget && target === undefined) || (!needsTarget && target !== undefined))
          throw new UsageError(`Invalid --uart-mode${n} arguments '${(values as string[]).join(' ')}'`)
        const mode = kind.toLowerCase()
        const setting: [PortMode, boolean, string] =
          mode === 'disconnected'
            ? [PortMode.Disconnected, false, '']
            : mode === 'server' || mode === 'client'
              ? [PortMode.HostPipe, mode === 'server', target ?? '']
              : mode === 'tcpserver' || mode === 'tcpclient'
                ? [PortMode.TCP, mode === 'tcpserver', target ?? '']
                : mode === 'file'
                  ? [PortMode.RawFile, false, target ?? '']
                  : [PortMode.HostDevice, false, kind]
        return async (m) => {
          const port = await m.getSerialPort(n - 1)
          await port.setServer(setting[1])
          if (setting[2] !== '') await port.setPath(setting[2])
          await port.setHostMode(setting[0])
        }
      },
    },
    {
      flags: [`--uart-type${n}`, `--uarttype${n}`],
      description: '16450|16550A|16750',
      parse: (v) => {
        const t = parseChoice(v, `--uart-type${n}`, uartTypeNames)
        return async (m) => (await m.getSerialPort(n - 1)).setUartType(t)
      },
    },
  ]
}

function nicOptions(n: number): VmOption[] {
  return [
    {
      flags: [`--nic${n}`],
      description: 'none|null|nat|bridged|intnet|hostonly|generic|natnetwork',
      parse: (v) => {
        if (v.toLowerCase() === 'none') return async (m) => (await m.getNetworkAdapter(n - 1)).setEnabled(false)
        const t = parseChoice(v, `--nic${n}`, nicAttachmentNames)
        return async (m) => {
          const adapter = await m.getNetworkAdapter(n - 1)
          await adapter.setEnabled(true)
          await adapter.setAttachmentType(t)
        }
      },
    },
    {
      flags: [`--nic-type${n}`, `--nictype${n}`],
      description: 'Am79C970A|Am79C973|82540EM|82543GC|82545EM|virtio',
      parse: (v) => {
        const t = parseChoice(v, `--nic-type${n}`, nicTypeNames)
        return async (m) => (await m.getNetworkAdapter(n - 1)).setAdapterType(t)
      },
    },
    onOffOption([`--cable-connected${n}`, `--cableconnected${n}`], 'on|off', async (m, on) =>
      (await m.getNetworkAdapter(n - 1)).setCableConnected(on),
    ),
    {
      flags: [`--mac-address${n}`, `--macaddress${n}`],
      description: 'auto|<12 hex digits>',
      parse: (v) => {
        if (v !== 'auto' && !/^[0-9a-f]{12}$/i.test(v)) throw new UsageError(`Invalid --mac-address${n} '${v}'`)
        return async (m) => (await m.getNetworkAdapter(n - 1)).setMACAddress(v === 'auto' ? '' : v.toUpperCase())
      },
    },
  ]
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]

/** Registers `modifyvm`. */
export function registerModifyvm(program: Command, ctx: CommandContext): void {
  const options = vmOptions()
  const command = program
    .command('modifyvm')
    .description('changes the settings of a powered-off virtual machine')
    .argument('<vm>', 'name or UUID of the VM')
  for (const option of options) {
    option.flags.forEach((flag, i) => {
      const spec = option.arg === 'values' ? `${flag} <values...>` : `${flag} <value>`
      const o = new Option(spec, option.description)
      if (option.arg === 'repeat') o.argParser(collect)
      if (i > 0) o.hideHelp()
      command.addOption(o)
    })
  }
  onAction(command, async (vm: string, given: Record<string, unknown>) => {
    const changes: ((m: IMachine) => Promise<void>)[] = []
    for (const option of options) {
      for (const flag of option.flags) {
        const raw = given[new Option(`${flag} <x>`).attributeName()]
        if (raw !== undefined) changes.push(option.parse(raw as string & string[]))
      }
    }
    if (changes.length === 0) throw new UsageError('No settings to change were given')
    const machine = await findMachine(ctx, vm)
    await withWriteLock(ctx, machine, async (mutable) => {
      for (const change of changes) await change(mutable)
    })
  })
}
