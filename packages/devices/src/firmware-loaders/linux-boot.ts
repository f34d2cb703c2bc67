/**
 * Direct Linux boot without a BIOS (like QEMU `-kernel`, but through the 32-bit boot protocol): at reset the
 * bzImage's protected-mode kernel goes to 1 MiB, the initrd below the top of low RAM, the command line and a
 * zero page (boot_params with the setup header and an E820 map) into low memory, and a 4 KiB ROM at the top of
 * the address space holds the reset vector and a stub that enters flat 32-bit protected mode and jumps to
 * `code32_start` with ESI = boot_params. Spec: Linux Documentation/arch/x86/boot.rst ("The Linux/x86 Boot
 * Protocol", "32-bit BOOT PROTOCOL"), zero-page.rst (field offsets); Intel SDM vol. 3 §9.9 (switching to
 * protected mode). The stub's bytes are written out by hand below, instruction by instruction.
 */
import { bool, defineDevice, defineState, u32 } from '@boxwood/vmm/device-api'
import { pciBusContract } from '../bus/pci/pci-bus'
import { initPciBus } from '../firmware/boxwood-bios/pci-init'
import { programVgaMode } from '../graphics/vga/vga-modes'
import { vgaFirmwareContract } from '../graphics/vga/vga-firmware-services'
import { buildE820Map } from './e820'
import type { E820Entry } from './e820'

/** Where things go in guest memory. */
export const LINUX_BOOT_LAYOUT = {
  stackTop: 0xf000,
  bootParams: 0x10000,
  cmdline: 0x20000,
  kernel: 0x100000,
  /** The stub ROM: the last 4 KiB below 4 GiB. */
  rom: 0xffff_f000,
} as const

/** A bzImage the loader cannot use. */
export class LinuxImageError extends Error {
  override readonly name = 'LinuxImageError'
  readonly code: 'LINUX_NOT_BZIMAGE' | 'LINUX_TOO_OLD' | 'LINUX_NO_ROOM'
  constructor(code: 'LINUX_NOT_BZIMAGE' | 'LINUX_TOO_OLD' | 'LINUX_NO_ROOM', message: string) {
    super(message)
    this.code = code
  }
}

/** The parts of a bzImage setup header the loader needs (boot.rst offsets). */
export interface BzImageHeader {
  readonly setupSectors: number
  readonly protocol: number
  readonly code32Start: number
  readonly initrdAddrMax: number
  readonly cmdlineSize: number
  /** Length of the setup header copied into boot_params (from 0x1F1). */
  readonly headerLength: number
  readonly kernelOffset: number
}

const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8)
const u32le = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0

/** Parses and checks the setup header of a bzImage. */
export function parseBzImage(image: Uint8Array): BzImageHeader {
  if (image.length < 0x1000 || u16le(image, 0x1fe) !== 0xaa55 || u32le(image, 0x202) !== 0x53726448) {
    throw new LinuxImageError('LINUX_NOT_BZIMAGE', 'not a Linux bzImage (no boot flag or "HdrS" magic)')
  }
  const protocol = u16le(image, 0x206)
  if (protocol < 0x0206 || (image[0x211]! & 0x01) === 0) {
    throw new LinuxImageError('LINUX_TOO_OLD', `boot protocol ${protocol.toString(16)} (need ≥ 2.06, loaded high)`)
  }
  const setupSectors = image[0x1f1] || 4
  return {
    setupSectors,
    protocol,
    code32Start: u32le(image, 0x214),
    initrdAddrMax: u32le(image, 0x22c),
    cmdlineSize: u32le(image, 0x238),
    headerLength: 0x202 + image[0x201]! - 0x1f1,
    kernelOffset: (setupSectors + 1) * 512,
  }
}

/** The 4 KiB stub ROM: real-mode reset vector → flat protected mode → `entry` with ESI = boot_params. */
export function buildBootStub(entry: number): Uint8Array {
  const rom = new Uint8Array(0x1000)
  const base = LINUX_BOOT_LAYOUT.rom
  const gdtAt = 0x100
  const descAt = 0x120
  const code32At = 0x40
  let p = 0
  const emit = (...bytes: number[]) => {
    for (const b of bytes) rom[p++] = b & 0xff
  }
  const le32 = (v: number) => [v, v >>> 8, v >>> 16, v >>> 24]
  // 16-bit code at offset 0 (CS base 0xFFFF0000 after reset, so IP = 0xF000 + offset):
  emit(0xfa) // cli
  emit(0x66, 0x2e, 0x0f, 0x01, 0x16, ...[0xf000 + descAt, (0xf000 + descAt) >> 8]) // o32 lgdt cs:[desc]
  emit(0x0f, 0x20, 0xc0) // mov eax, cr0
  emit(0x66, 0x83, 0xc8, 0x01) // or eax, 1
  emit(0x0f, 0x22, 0xc0) // mov cr0, eax
  emit(0x66, 0xea, ...le32(base + code32At), 0x10, 0x00) // jmp dword 0x10:code32
  // 32-bit code:
  p = code32At
  emit(0xb8, ...le32(0x18)) // mov eax, 0x18
  emit(0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8) // mov ds/es/ss/fs/gs, ax
  emit(0xbc, ...le32(LINUX_BOOT_LAYOUT.stackTop)) // mov esp, stack
  emit(0xbe, ...le32(LINUX_BOOT_LAYOUT.bootParams)) // mov esi, boot_params
  emit(0x31, 0xed, 0x31, 0xff, 0x31, 0xdb) // xor ebp, ebp; xor edi, edi; xor ebx, ebx
  emit(0xb8, ...le32(entry)) // mov eax, entry
  emit(0xff, 0xe0) // jmp eax
  // GDT: null, null, 0x10 flat 4 GiB code, 0x18 flat 4 GiB data (boot.rst: __BOOT_CS / __BOOT_DS).
  p = gdtAt
  emit(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  emit(0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00)
  emit(0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00)
  p = descAt
  emit(0x1f, 0x00, ...le32(base + gdtAt))
  // Reset vector at 0xFFFFFFF0 (offset 0xFF0): jmp near to IP 0xF000.
  p = 0xff0
  const rel = (0xf000 - (0xfff0 + 3)) & 0xffff
  emit(0xe9, rel, rel >> 8)
  return rom
}

export const linuxBootState = defineState({
  unit: 'linuxboot',
  version: 1,
  fields: { loaded: bool, initrdAddress: u32 },
})

/** The direct Linux loader: device name `linuxboot`. */
export const linuxBoot = defineDevice({
  name: 'linuxboot',
  description: 'Direct Linux boot (32-bit boot protocol) with a reset-vector stub ROM',
  maxInstances: 1,
  config: {
    kernel: { type: 'bytes' },
    initrd: { type: 'bytes', optional: true },
    cmdline: { type: 'string', default: '' },
    /** Guest RAM below 4 GiB in bytes (the machine assembly passes it). */
    ramBytes: { type: 'number' },
    /** ACPI tables (built by the assembly) copied to `acpiAddress`; the RSDP must be inside them. */
    acpiTables: { type: 'bytes', optional: true },
    acpiAddress: { type: 'u32', default: 0xe0000 },
  },
  savedState: linuxBootState,
  create(ctx, config) {
    const state = linuxBootState.initial()
    const header = parseBzImage(config.kernel)
    const kernel = config.kernel.subarray(header.kernelOffset)
    const ramTop = Math.min(config.ramBytes, 0xe000_0000)
    if (LINUX_BOOT_LAYOUT.kernel + kernel.length > ramTop) {
      throw new LinuxImageError('LINUX_NO_ROOM', `the kernel (${kernel.length} bytes) does not fit in RAM`)
    }
    const cmdline = new TextEncoder().encode(config.cmdline)
    if (cmdline.length >= Math.max(256, header.cmdlineSize)) {
      throw new LinuxImageError('LINUX_NO_ROOM', `the command line is longer than ${header.cmdlineSize} bytes`)
    }
    const initrd = config.initrd
    let initrdAddress = 0
    if (initrd && initrd.length > 0) {
      // As high as allowed, page aligned, below both the protocol's limit and 896 MiB of lowmem.
      const limit = Math.min(ramTop, header.initrdAddrMax + 1, 0x3800_0000)
      initrdAddress = Math.floor((limit - initrd.length) / 0x1000) * 0x1000
      if (initrdAddress < LINUX_BOOT_LAYOUT.kernel + kernel.length) {
        throw new LinuxImageError('LINUX_NO_ROOM', `the initrd (${initrd.length} bytes) does not fit in RAM`)
      }
    }
    ctx.rom(buildBootStub(header.code32Start), 'linuxboot stub ROM').map(LINUX_BOOT_LAYOUT.rom)

    function bootParams(): Uint8Array {
      const zp = new Uint8Array(0x1000)
      const view = new DataView(zp.buffer)
      zp.set(config.kernel.subarray(0x1f1, 0x1f1 + header.headerLength), 0x1f1)
      zp[0x210] = 0xff // type_of_loader: undefined boot loader
      zp[0x211] = (zp[0x211]! | 0x80) & ~0x20 // CAN_USE_HEAP; not QUIET_FLAG
      view.setUint16(0x224, 0xde00, true) // heap_end_ptr (unused in 32-bit boot, set for completeness)
      view.setUint32(0x228, LINUX_BOOT_LAYOUT.cmdline, true)
      view.setUint32(0x218, initrdAddress, true)
      view.setUint32(0x21c, initrd?.length ?? 0, true)
      // screen_info: an 80×25 colour text screen (orig_video_mode 3, isVGA).
      zp[0x06] = 3
      zp[0x07] = 80
      zp[0x0e] = 25
      zp[0x0f] = 1
      view.setUint16(0x10, 16, true)
      view.setUint32(0x1e0, Math.max(0, Math.floor(ramTop / 1024) - 1024), true) // alt_mem_k
      const map: readonly E820Entry[] = buildE820Map(config.ramBytes)
      zp[0x1e8] = map.length
      map.forEach((e, i) => {
        const at = 0x2d0 + i * 20
        view.setUint32(at, e.address % 2 ** 32, true)
        view.setUint32(at + 4, Math.floor(e.address / 2 ** 32), true)
        view.setUint32(at + 8, e.length % 2 ** 32, true)
        view.setUint32(at + 12, Math.floor(e.length / 2 ** 32), true)
        view.setUint32(at + 16, e.type, true)
      })
      return zp
    }

    function load(): void {
      ctx.dma.write(LINUX_BOOT_LAYOUT.kernel, kernel)
      if (initrd && initrdAddress) ctx.dma.write(initrdAddress, initrd)
      const line = new Uint8Array(cmdline.length + 1)
      line.set(cmdline)
      ctx.dma.write(LINUX_BOOT_LAYOUT.cmdline, line)
      ctx.dma.write(LINUX_BOOT_LAYOUT.bootParams, bootParams())
      if (config.acpiTables) ctx.dma.write(config.acpiAddress, config.acpiTables)
      state.loaded = true
      state.initrdAddress = initrdAddress
    }

    return {
      state,
      reset(kind) {
        // Every reset reloads: a rebooting guest boots the same kernel again, as with QEMU -kernel.
        void kind
        state.loaded = false
      },
      afterReset() {
        load()
        // PCI as the firmware leaves it (BARs, PIRQ routing, interrupt lines), which the ACPI _PRT describes.
        const pci = ctx.service(pciBusContract)
        if (pci) initPciBus(pci, config.ramBytes)
        // The zero page promises an 80×25 colour text screen: set it up as the VGA BIOS would have (QEMU runs
        // SeaBIOS's VGA BIOS before its -kernel boot), so the kernel's VGA console finds a working text mode.
        const vga = ctx.service(vgaFirmwareContract)
        if (vga) {
          programVgaMode(
            {
              out8: (port, value) => vga.writePort(port, value),
              in8: (port) => vga.readPort(port),
              writeWindow: (offset, value) => vga.writeWindow(offset, value),
            },
            3,
          )
        }
      },
    }
  },
})
