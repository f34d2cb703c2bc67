// Public entry point. Every export is listed by name.
export type {
  CursorShape,
  DisplayListener,
  DisplayMode,
  DisplayRect,
  DisplaySource,
  PixelFormat,
} from './backends/display'
export type { InputListener, InputSink, KeyboardLeds, MouseButtons } from './backends/input'

// Device models (STYLE §3.3). `builtinDevices` is the one registry: the PC machine assembly instantiates
// devices by name from it (VirtualBox VBoxDD.cpp's device list).
import { i8259Pic } from './pc/i8259-pic'
import { i440fxHostBridge } from './bus/pci/i440fx-host'
import { localApic } from './apic/local-apic'
import { ioApic } from './apic/io-apic'
import { piix3IsaBridge } from './bus/pci/piix3-isa'
import { i8254Pit } from './pc/i8254-pit'
import { mc146818Rtc } from './pc/mc146818-rtc'
import { i8237Dma } from './pc/i8237-dma'
import { pcArch } from './pc/pc-arch'
import { postCodePort } from './pc/post-port'
import { debugConsole } from './pc/debug-console'
import { ns16550Uart } from './serial/ns16550-uart'
import { i8042Kbc } from './input/i8042-kbc'
import { piix4Pm } from './acpi/piix4-pm'
import { linuxBoot } from './firmware-loaders/linux-boot'
import { bootSectorLoader } from './firmware-loaders/boot-sector'
import { biosImage } from './firmware-loaders/bios-image'
import { fwCfg } from './firmware-loaders/fw-cfg'
import { assemblePcMachine } from './machine/pc-machine'
import type { PcMachine, PcMachineConfig } from './machine/pc-machine'

export { i8259Pic, i8254Pit, mc146818Rtc, i8237Dma, pcArch, postCodePort, debugConsole, ns16550Uart }
export { PIT_HZ } from './pc/i8254-pit'
export { buildCmosImage } from './pc/cmos-layout'
export type { CmosBootDevice, CmosDiskGeometry, CmosFloppyType, CmosLayout } from './pc/cmos-layout'
export { isaDmaContract } from './pc/isa-dma'
export type { IsaDma, IsaDmaTransferHandler } from './pc/isa-dma'
export { postCodeListenerContract } from './pc/post-port'
export type { PostCodeListener } from './pc/post-port'
export { charBackendContract, CharInputQueue, createMemoryCharBackend } from './backends/char-backend'
export type { CharBackend, CharBackendListener, MemoryCharBackend } from './backends/char-backend'

// Display, storage and firmware devices (graphics/, storage/, firmware/).
import { vgaDevice } from './graphics/vga/vga-device'
export { vgaDevice }
export type { VgaInstance } from './graphics/vga/vga-device'
export type { VgaDisplay } from './graphics/vga/vga-display'
export { vgaFirmwareContract } from './graphics/vga/vga-firmware-services'
export type { VgaFirmwareServices } from './graphics/vga/vga-firmware-services'
export { VGA_MODES, programVgaMode, loadVgaFont, vgaFont } from './graphics/vga/vga-modes'
export type { VgaModeInfo, VgaModeRegisters, VgaProgrammingIo } from './graphics/vga/vga-modes'
export { captureRgb, encodePng, screenshotPng } from './graphics/png/png-encoder'
export type { RgbImage } from './graphics/png/png-encoder'
import { piix3Ide } from './storage/ide/piix3-ide'
export { piix3Ide }
export { ideFirmwareContract } from './storage/ide/piix3-ide'
export type { IdeFirmwareDrive, IdeFirmwareServices, Piix3IdeInstance } from './storage/ide/piix3-ide'
export { blockDriveContract, createBlockDrive, createMemoryMedium, BlockDriveError } from './backends/block-backend'
export type { BlockDrive, BlockDriveKind, BlockMedium, HostBlockDrive } from './backends/block-backend'
import { boxwoodBios } from './firmware/boxwood-bios/bios-device'
export { boxwoodBios }
import { i82077Fdc } from './storage/floppy/i82077-fdc'
export { i82077Fdc }
export { floppyFirmwareContract } from './storage/floppy/floppy-services'
export type { FloppyFirmwareDrive, FloppyFirmwareServices } from './storage/floppy/floppy-services'

/** Every built-in device definition, by its config-tree name. */
export const builtinDevices = [
  i8259Pic,
  localApic,
  ioApic,
  i440fxHostBridge,
  piix3IsaBridge,
  i8254Pit,
  mc146818Rtc,
  i8237Dma,
  pcArch,
  postCodePort,
  debugConsole,
  ns16550Uart,
  i8042Kbc,
  piix4Pm,
  vgaDevice,
  piix3Ide,
  boxwoodBios,
  i82077Fdc,
  linuxBoot,
  bootSectorLoader,
  biosImage,
  fwCfg,
] as const

/**
 * Builds a PC from a config tree (see {@link buildPcConfig}) with the built-in devices. The machine is in
 * state 'created': call `machine.vm.powerOn()`, then run it (`vm.runFor`, or a `VmRunner` for real time).
 */
export function createPcMachine(config: PcMachineConfig): PcMachine {
  return assemblePcMachine(config, builtinDevices)
}
export { assemblePcMachine }
export type { PcMachine, PcMachineConfig }
export { buildPcConfig, COM_PORTS, PC_ACPI } from './machine/pc-config'
export type { PcConfigOptions, PcFirmware } from './machine/pc-config'
export { planDevices, MachineConfigError } from './machine/config-tree'
export type { DeviceNode, DevicesTree, PlannedDevice } from './machine/config-tree'
export { linuxBoot, bootSectorLoader, biosImage, i8042Kbc, piix4Pm, i440fxHostBridge, piix3IsaBridge }
export { localApic, ioApic }
export { apicBusContract, extIntContract } from './apic/apic-bus'
export type { ApicBus, ApicDeliveryMode, ApicMessage, ExtIntSource } from './apic/apic-bus'
export { pciBusContract, pirqRouterContract, devfn } from './bus/pci/pci-bus'
export type { PciBus, PciFunction, PirqRouter } from './bus/pci/pci-bus'
export { attachPciFunction, pciConfigField } from './bus/pci/pci-function'
export type { PciBar, PciFunctionHandle, PciFunctionOptions } from './bus/pci/pci-function'
export { createAcpiButtons, acpiButtonsContract, PM_TIMER_HZ } from './acpi/piix4-pm'
export type { AcpiButtons } from './acpi/piix4-pm'
export { buildAcpiTables } from './acpi/acpi-tables'
export type { AcpiPmLayout, AcpiTableOptions } from './acpi/acpi-tables'
export { createInputPort, inputPortContract } from './input/input-port'
export type { InputPort } from './input/input-port'
export { parseBzImage, buildBootStub, LinuxImageError, LINUX_BOOT_LAYOUT } from './firmware-loaders/linux-boot'
export type { BzImageHeader } from './firmware-loaders/linux-boot'
export { BiosImageError } from './firmware-loaders/bios-image'
export { fwCfg, buildFwCfgItems, fwCfgE820, FW_CFG } from './firmware-loaders/fw-cfg'
export type { FwCfgFile } from './firmware-loaders/fw-cfg'
export { buildE820Map, E820_TYPE } from './firmware-loaders/e820'
export type { E820Entry } from './firmware-loaders/e820'
