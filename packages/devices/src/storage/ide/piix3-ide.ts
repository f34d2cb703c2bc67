// The PIIX3 IDE controller (Intel 82371SB datasheet §2.5 "IDE interface"; SFF-8038i bus master): two
// channels in ISA compatibility mode (0x1F0/0x3F6 IRQ 14, 0x170/0x376 IRQ 15) with ATA disks and ATAPI
// CD/DVD drives attached at LUNs 0..3 (primary master, primary slave, secondary master, secondary slave:
// VirtualBox's numbering), and the bus master registers at a 16-port I/O base (PCI BAR 4). On a PCI bus it is
// function 00:01.1 (8086:7010, class 0101h prog-if 80h) with the IDETIM/SIDETIM timing registers (§2.5.3).
import {
  defineContract,
  defineDevice,
  defineState,
  array,
  type DeviceContext,
  type DeviceInstance,
} from '@boxwood/vmm/device-api'
import { blockDriveContract, type BlockDrive } from '../../backends/block-backend'
import { pciBusContract } from '../../bus/pci/pci-bus'
import { attachPciFunction, pciConfigField } from '../../bus/pci/pci-function'
import { IdeChannel } from './ide-channel'
import { ideChannelFields } from './ide-state'

/** Saved state of the controller: two channels. */
export const piix3IdeState = defineState({
  unit: 'piix3ide',
  version: 1,
  fields: { channels: array(2, ideChannelFields), pciConfig: pciConfigField },
})

type IdeState = ReturnType<typeof piix3IdeState.initial>

/** A drive as the firmware sees it: channel, unit and the drive object. */
export interface IdeFirmwareDrive {
  readonly channel: 0 | 1
  readonly unit: 0 | 1
  readonly drive: BlockDrive
}

/** What the IDE controller offers to firmware emulated in TypeScript (the Boxwood BIOS's INT 13h). */
export interface IdeFirmwareServices {
  readonly drives: readonly IdeFirmwareDrive[]
}

/** Contract under which the controller provides {@link IdeFirmwareServices}. */
export const ideFirmwareContract = defineContract<IdeFirmwareServices>(
  'ide-firmware-services',
  (v): v is IdeFirmwareServices =>
    typeof v === 'object' && v !== null && Array.isArray((v as IdeFirmwareServices).drives),
)

/** The IDE instance (its bus master base can be moved by a PCI BAR write). */
export interface Piix3IdeInstance extends DeviceInstance<IdeState> {
  /** Maps (or unmaps, with undefined) the 16 bus master ports: PCI BAR 4. */
  mapBusMaster(base: number | undefined): void
}

const LEGACY = [
  { base: 0x1f0, control: 0x3f6, irq: 14 },
  { base: 0x170, control: 0x376, irq: 15 },
] as const

/** PIIX3 IDE function config registers beyond the header (datasheet §2.5.3). */
const IDE_CONFIG = { IDETIM_PRIMARY: 0x40, IDETIM_SECONDARY: 0x42, SIDETIM: 0x44 } as const
/** IDETIM bits 11:10 are reserved (read 0); everything else is read/write. */
const IDETIM_HIGH_MASK = 0xf3
/** PCICMD bit 2: bus master enable. */
const BUS_MASTER_ENABLE = 0x04

/** Writes the function's own registers 40h–FFh: IDETIM and SIDETIM store; reserved ones ignore writes. */
function writeIdeConfig(config: Uint8Array, offset: number, value: number, size: number): boolean {
  if (offset < 0x40) return false
  for (let b = 0; b < size; b++) {
    const o = offset + b
    const byte = (value >>> (8 * b)) & 0xff
    if (o === IDE_CONFIG.IDETIM_PRIMARY + 1 || o === IDE_CONFIG.IDETIM_SECONDARY + 1)
      config[o] = byte & IDETIM_HIGH_MASK
    else if (o === IDE_CONFIG.IDETIM_PRIMARY || o === IDE_CONFIG.IDETIM_SECONDARY || o === IDE_CONFIG.SIDETIM)
      config[o] = byte
  }
  return true
}

function createIde(ctx: DeviceContext, config: { busMasterBase: number }): Piix3IdeInstance {
  const state = piix3IdeState.initial()
  const drive = (lun: number) => ctx.attach(lun, blockDriveContract)
  const onPci = ctx.service(pciBusContract) !== undefined
  // The bus master may touch memory only while PCICMD.BME is set (a master abort otherwise); without a PCI
  // bus (a bare controller at a configured base) it always may.
  const mayMaster = (): boolean => !onPci || (state.pciConfig[0x04]! & BUS_MASTER_ENABLE) !== 0
  const channels = LEGACY.map((legacy, index) => {
    const channel = new IdeChannel(
      state.channels[index]!,
      [drive(index * 2), drive(index * 2 + 1)],
      ctx.irq(legacy.irq),
      ctx.dma,
      `BXW${ctx.instance}${index}`,
      mayMaster,
    )
    ctx
      .ioPorts(
        8,
        {
          read: (offset, size) => channel.readRegister(offset, size),
          write: (offset, value, size) => channel.writeRegister(offset, value, size),
          // The data port moves 16 or 32 bits at once; the others are byte registers.
          sizes: [1, 2, 4],
        },
        `IDE ${index === 0 ? 'primary' : 'secondary'} command block`,
      )
      .map(legacy.base)
    ctx
      .ioPorts(
        1,
        { read: () => channel.readAltStatus(), write: (_o, value) => channel.writeControl(value), sizes: [1] },
        `IDE ${index === 0 ? 'primary' : 'secondary'} control`,
      )
      .map(legacy.control)
    return channel
  })

  const busMaster = ctx.ioPorts(
    16,
    {
      read: (offset) => channels[offset >> 3]!.readBusMaster(offset & 7),
      write: (offset, value) => channels[offset >> 3]!.writeBusMaster(offset & 7, value),
      sizes: [1],
    },
    'IDE bus master',
  )
  // PIIX3 function 1 (8086:7010, IDE in compatibility mode with bus mastering): the bus master registers are
  // BAR 4. The legacy ports always decode, whatever IDETIM.IDE says, as in QEMU and VirtualBox: firmware
  // that never enumerates PCI (the Boxwood BIOS) still finds its disks. Without a PCI bus the bus master
  // registers sit at the configured base.
  const pci = onPci
    ? attachPciFunction(ctx, state.pciConfig, {
        name: 'piix3ide',
        devfn: 0x09,
        vendorId: 0x8086,
        deviceId: 0x7010,
        classCode: 0x01_0180,
        headerType: 0x00,
        bars: [undefined, undefined, undefined, undefined, { kind: 'io', size: 16, region: busMaster }],
        configWrite: (offset, value, size) => writeIdeConfig(state.pciConfig, offset, value, size),
      })
    : undefined
  if (!pci && config.busMasterBase !== 0) busMaster.map(config.busMasterBase)

  const drives: IdeFirmwareDrive[] = []
  channels.forEach((channel, c) => {
    for (const unit of [0, 1] as const) {
      const d = channel.driveAt(unit)
      if (d) drives.push({ channel: c as 0 | 1, unit, drive: d })
    }
  })
  ctx.provide(ideFirmwareContract, { drives })

  return {
    state,
    reset() {
      for (const c of channels) c.reset()
      pci?.reset()
    },
    afterReset() {
      for (const c of channels) c.updateIrq()
    },
    afterLoad() {
      pci?.afterLoad()
      for (const c of channels) c.resumeAfterLoad()
    },
    mapBusMaster(base) {
      if (base === undefined) busMaster.unmap()
      else busMaster.map(base)
    },
  }
}

/** The PIIX3 IDE device definition (config node 'piix3ide'). */
export const piix3Ide = defineDevice({
  name: 'piix3ide',
  description: 'PIIX3 IDE controller: two channels of ATA disks and ATAPI CD/DVD drives',
  maxInstances: 1,
  config: {
    busMasterBase: { type: 'u16', default: 0, description: 'bus master I/O base (BAR 4); 0 = unmapped' },
  },
  savedState: piix3IdeState,
  create: createIde,
})
