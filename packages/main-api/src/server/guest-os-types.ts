// The guest OS type catalogue with VirtualBox's recommended defaults (modelled on the table in VirtualBox
// src/VBox/Main/src-all/Global.cpp; ids follow its scheme: bare = 32-bit, `_64` = 64-bit; vbox-api.md §2.13).
import type { IGuestOSType } from '../api/interfaces'
import {
  AudioControllerType as Audio,
  ChipsetType,
  FirmwareType,
  GraphicsControllerType as Gfx,
} from '../api/machine-enums'
import { NetworkAdapterType as Nic, PlatformArchitecture } from '../api/machine-enums'
import type { AudioControllerType, GraphicsControllerType, NetworkAdapterType } from '../api/machine-enums'
import { StorageBus, StorageControllerType as Ctl } from '../api/storage-enums'

const GB = 1024 * 1024 * 1024
const MB = 1024 * 1024

interface Row {
  family: 'Windows' | 'Linux' | 'Solaris' | 'BSD' | 'OS2' | 'Other'
  id: string
  subtype: string
  description: string
  ram: number
  vram: number
  hdd: number
  gfx: GraphicsControllerType
  nic: NetworkAdapterType
  /** 'ide' = PIIX4 for both, 'sata-dvd-ide' = IDE DVD + SATA disk, 'sata' = SATA for both. */
  storage: 'ide' | 'sata-dvd-ide' | 'sata'
  audio: AudioControllerType
  utc: boolean
  tablet: boolean
  efi?: boolean
  ich9?: boolean
  floppy?: boolean
  cpus?: number
  x2apic?: boolean
  pae?: boolean
}

const familyDescriptions: Record<Row['family'], string> = {
  Windows: 'Microsoft Windows',
  Linux: 'Linux',
  Solaris: 'Solaris',
  BSD: 'BSD',
  OS2: 'IBM OS/2',
  Other: 'Other',
}

// prettier-ignore
const rows: Row[] = [
  { family: 'Other', id: 'Other', subtype: '', description: 'Other/Unknown', ram: 64, vram: 4, hdd: 2 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.AC97, utc: false, tablet: false, floppy: true },
  { family: 'Other', id: 'Other_64', subtype: '', description: 'Other/Unknown (64-bit)', ram: 64, vram: 4, hdd: 2 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.AC97, utc: true, tablet: false, floppy: true, pae: true },
  { family: 'Other', id: 'DOS', subtype: '', description: 'DOS', ram: 32, vram: 4, hdd: 500 * MB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.SB16, utc: false, tablet: false, floppy: true },
  { family: 'Other', id: 'L4', subtype: '', description: 'L4', ram: 64, vram: 4, hdd: 2 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.AC97, utc: false, tablet: false, floppy: true },
  { family: 'Windows', id: 'Windows31', subtype: 'Windows', description: 'Windows 3.1', ram: 32, vram: 4, hdd: 1 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.SB16, utc: false, tablet: false, floppy: true },
  { family: 'Windows', id: 'Windows95', subtype: 'Windows', description: 'Windows 95', ram: 64, vram: 4, hdd: 2 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.SB16, utc: false, tablet: false, floppy: true },
  { family: 'Windows', id: 'Windows98', subtype: 'Windows', description: 'Windows 98', ram: 64, vram: 4, hdd: 2 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.SB16, utc: false, tablet: false, floppy: true },
  { family: 'Windows', id: 'WindowsXP', subtype: 'Windows', description: 'Windows XP (32-bit)', ram: 192, vram: 16, hdd: 10 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.AC97, utc: false, tablet: true, floppy: true },
  { family: 'Windows', id: 'WindowsXP_64', subtype: 'Windows', description: 'Windows XP (64-bit)', ram: 512, vram: 16, hdd: 10 * GB, gfx: Gfx.VBoxVGA, nic: Nic.I82540EM, storage: 'ide', audio: Audio.AC97, utc: false, tablet: true, floppy: true, pae: true },
  { family: 'Windows', id: 'Windows7', subtype: 'Windows', description: 'Windows 7 (32-bit)', ram: 1024, vram: 27, hdd: 25 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true },
  { family: 'Windows', id: 'Windows7_64', subtype: 'Windows', description: 'Windows 7 (64-bit)', ram: 2048, vram: 27, hdd: 32 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true, pae: true },
  { family: 'Windows', id: 'Windows10', subtype: 'Windows', description: 'Windows 10 (32-bit)', ram: 1024, vram: 128, hdd: 32 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true },
  { family: 'Windows', id: 'Windows10_64', subtype: 'Windows', description: 'Windows 10 (64-bit)', ram: 2048, vram: 128, hdd: 50 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true, pae: true },
  { family: 'Windows', id: 'Windows11_64', subtype: 'Windows', description: 'Windows 11 (64-bit)', ram: 4096, vram: 128, hdd: 80 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true, efi: true, ich9: true, cpus: 2, x2apic: true, pae: true },
  { family: 'Windows', id: 'Windows2019_64', subtype: 'Windows', description: 'Windows Server 2019 (64-bit)', ram: 2048, vram: 128, hdd: 50 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true, pae: true },
  { family: 'Windows', id: 'Windows2022_64', subtype: 'Windows', description: 'Windows Server 2022 (64-bit)', ram: 2048, vram: 128, hdd: 50 * GB, gfx: Gfx.VBoxSVGA, nic: Nic.I82540EM, storage: 'sata', audio: Audio.HDA, utc: false, tablet: true, pae: true },
  { family: 'Linux', id: 'Linux24', subtype: 'Other Linux', description: 'Linux 2.4 (32-bit)', ram: 128, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.AC97, utc: true, tablet: false },
  { family: 'Linux', id: 'Linux26', subtype: 'Other Linux', description: 'Linux 2.6 / 3.x / 4.x / 5.x (32-bit)', ram: 512, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true },
  { family: 'Linux', id: 'Linux26_64', subtype: 'Other Linux', description: 'Linux 2.6 / 3.x / 4.x / 5.x (64-bit)', ram: 1024, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Linux_64', subtype: 'Other Linux', description: 'Other Linux (64-bit)', ram: 512, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'ArchLinux_64', subtype: 'Arch', description: 'Arch Linux (64-bit)', ram: 1024, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Debian', subtype: 'Debian', description: 'Debian (32-bit)', ram: 1024, vram: 16, hdd: 20 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true },
  { family: 'Linux', id: 'Debian_64', subtype: 'Debian', description: 'Debian (64-bit)', ram: 2048, vram: 16, hdd: 20 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Debian12_64', subtype: 'Debian', description: 'Debian 12 Bookworm (64-bit)', ram: 2048, vram: 16, hdd: 20 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Ubuntu', subtype: 'Ubuntu', description: 'Ubuntu (32-bit)', ram: 1024, vram: 16, hdd: 10 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true },
  { family: 'Linux', id: 'Ubuntu_64', subtype: 'Ubuntu', description: 'Ubuntu (64-bit)', ram: 2048, vram: 16, hdd: 25 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Ubuntu22_LTS_64', subtype: 'Ubuntu', description: 'Ubuntu 22.04 LTS (Jammy Jellyfish) (64-bit)', ram: 2048, vram: 16, hdd: 25 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Fedora_64', subtype: 'Fedora', description: 'Fedora (64-bit)', ram: 2048, vram: 16, hdd: 20 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'RedHat_64', subtype: 'Red Hat', description: 'Red Hat (64-bit)', ram: 2048, vram: 16, hdd: 20 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'OpenSUSE_64', subtype: 'openSUSE', description: 'openSUSE (64-bit)', ram: 2048, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Gentoo_64', subtype: 'Gentoo', description: 'Gentoo (64-bit)', ram: 1024, vram: 16, hdd: 8 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Linux', id: 'Oracle_64', subtype: 'Oracle', description: 'Oracle Linux (64-bit)', ram: 2048, vram: 16, hdd: 20 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.AC97, utc: true, tablet: true, pae: true },
  { family: 'Solaris', id: 'Solaris11_64', subtype: 'Oracle Solaris', description: 'Oracle Solaris 11 (64-bit)', ram: 1536, vram: 16, hdd: 16 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.HDA, utc: true, tablet: true, pae: true },
  { family: 'BSD', id: 'FreeBSD', subtype: 'FreeBSD', description: 'FreeBSD (32-bit)', ram: 1024, vram: 16, hdd: 16 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.HDA, utc: true, tablet: true },
  { family: 'BSD', id: 'FreeBSD_64', subtype: 'FreeBSD', description: 'FreeBSD (64-bit)', ram: 1024, vram: 16, hdd: 16 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'sata-dvd-ide', audio: Audio.HDA, utc: true, tablet: true, pae: true },
  { family: 'BSD', id: 'OpenBSD_64', subtype: 'OpenBSD', description: 'OpenBSD (64-bit)', ram: 1024, vram: 16, hdd: 16 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'ide', audio: Audio.AC97, utc: true, tablet: false, pae: true },
  { family: 'BSD', id: 'NetBSD_64', subtype: 'NetBSD', description: 'NetBSD (64-bit)', ram: 1024, vram: 16, hdd: 16 * GB, gfx: Gfx.VMSVGA, nic: Nic.I82540EM, storage: 'ide', audio: Audio.AC97, utc: true, tablet: false, pae: true },
  { family: 'OS2', id: 'OS2Warp45', subtype: 'OS/2', description: 'OS/2 Warp 4.5', ram: 128, vram: 4, hdd: 2 * GB, gfx: Gfx.VBoxVGA, nic: Nic.Am79C973, storage: 'ide', audio: Audio.SB16, utc: false, tablet: false, floppy: true },
]

function toType(row: Row): IGuestOSType {
  const is64Bit = row.id.endsWith('_64')
  const hd = row.storage === 'ide' ? Ctl.PIIX4 : Ctl.IntelAhci
  const dvd = row.storage === 'sata' ? Ctl.IntelAhci : Ctl.PIIX4
  return {
    familyId: row.family,
    familyDescription: familyDescriptions[row.family],
    id: row.id,
    subtype: row.subtype,
    description: row.description,
    is64Bit,
    platformArchitecture: PlatformArchitecture.x86,
    recommendedIOAPIC: is64Bit || row.ram >= 1024 || row.family === 'Windows',
    recommendedVirtEx: true,
    recommendedRAM: row.ram,
    recommendedGraphicsController: row.gfx,
    recommendedVRAM: row.vram,
    recommendedHDD: row.hdd,
    adapterType: row.nic,
    recommendedPAE: row.pae ?? false,
    recommendedDVDStorageController: dvd,
    recommendedDVDStorageBus: dvd === Ctl.PIIX4 ? StorageBus.IDE : StorageBus.SATA,
    recommendedHDStorageController: hd,
    recommendedHDStorageBus: hd === Ctl.PIIX4 ? StorageBus.IDE : StorageBus.SATA,
    recommendedFirmware: row.efi ? FirmwareType.EFI : FirmwareType.BIOS,
    recommendedUSBHID: false,
    recommendedHPET: row.ich9 ?? false,
    recommendedUSBTablet: row.tablet,
    recommendedRTCUseUTC: row.utc,
    recommendedChipset: row.ich9 ? ChipsetType.ICH9 : ChipsetType.PIIX3,
    recommendedAudioController: row.audio,
    recommendedFloppy: row.floppy ?? false,
    recommendedUSB: row.tablet,
    recommendedX2APIC: row.x2apic ?? false,
    recommendedCPUCount: row.cpus ?? 1,
  }
}

/** Every guest OS type Boxwood knows, in catalogue order. */
export const guestOSTypes: readonly IGuestOSType[] = rows.map(toType)

/**
 * Finds a type by id, case-insensitively; VirtualBox 7.1 development builds briefly used `_x64`, which maps to `_64`.
 */
export function findGuestOSType(id: string): IGuestOSType | undefined {
  const wanted = id.replace(/_x64$/i, '_64').toLowerCase()
  return guestOSTypes.find((t) => t.id.toLowerCase() === wanted)
}
