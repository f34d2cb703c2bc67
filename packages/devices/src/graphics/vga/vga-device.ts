// The VGA adapter (IBM VGA register set at 0x3B0..0x3DF, legacy window 0xA0000..0xBFFFF) with the Bochs/
// VirtualBox VBE DISPI extension (0x1CE/0x1CF) and a linear framebuffer; VirtualBox's device name 'vga'.
// Specs: IBM VGA Technical Reference; FreeVGA; Bochs vbe_display_api.h. Registers with indices beyond the
// implemented ones read 0xFF and ignore writes; CR0..7 honour the CR11 write protect.
import { defineDevice, type DeviceContext, type DeviceInstance } from '@boxwood/vmm/device-api'
import { dispiRead, dispiWrite } from './vbe-dispi'
import { VgaDisplay } from './vga-display'
import { readWindow, writeWindow, VramDirty } from './vga-memory'
import { VgaRenderer } from './vga-render'
import { DISPI, MAX_VRAM_MB, vgaState, type VgaState } from './vga-state'
import { vgaFirmwareContract, type VgaFirmwareServices } from './vga-firmware-services'
import { pciBusContract } from '../../bus/pci/pci-bus'
import { attachPciFunction } from '../../bus/pci/pci-function'

/** Register counts implemented per index space. */
const COUNT = { seq: 5, crtc: 0x19, gc: 9, attr: 0x15 } as const
/** Virtual-time video timing for the status register: 70 Hz frames of 449 lines (31.8 µs each). */
const FRAME_NS = 14_268_000
const LINE_NS = 31_778
const VRETRACE_NS = 2 * LINE_NS
/** How often the display is refreshed for listeners (virtual time). */
const REFRESH_NS = 16_666_667

/** A VGA instance: the saved state plus its display source. */
export interface VgaInstance extends DeviceInstance<VgaState> {
  readonly display: VgaDisplay
}

function createVga(ctx: DeviceContext, config: { vramMB: number; lfbBase: number }): VgaInstance {
  const state = vgaState.initial()
  const vramBytes = config.vramMB * 1024 * 1024
  // VRAM is host-visible memory (a SharedArrayBuffer when the machine shares memory across threads), so a
  // display on another thread reads VBE framebuffers without copies; loads copy into it.
  const vramBuffer = ctx.allocateBuffer(vramBytes)
  state.vram = vramBuffer
  let vram = vramBuffer
  const dirty = new VramDirty(vramBytes)
  const renderer = new VgaRenderer()
  const display = new VgaDisplay(
    renderer,
    () => vram,
    (onRect) => renderer.update(state, vram, dirty, ctx.clock.nowNs(), onRect)?.mode,
  )
  const refreshTimer = ctx.timer('vga-refresh', (deadline) => {
    if (display.hasListeners) display.refresh()
    refreshTimer.armAt(deadline + REFRESH_NS)
  })

  function dispiData(value: number): void {
    if (dispiWrite(state, vramBytes, value)) vram.fill(0)
    renderer.invalidate()
  }

  const colour = (): boolean => (state.misc & 1) !== 0

  function readPort(offset: number): number {
    const port = 0x3b0 + offset
    switch (port) {
      case 0x3c0:
        return state.attrIndex
      case 0x3c1: {
        const i = state.attrIndex & 0x1f
        return i < COUNT.attr ? state.attr[i]! : 0xff
      }
      case 0x3c2:
        return 0x00 // input status 0: no switch sense, no CRT interrupt
      case 0x3c3:
        return 0x01
      case 0x3c4:
        return state.seqIndex
      case 0x3c5:
        return state.seqIndex < COUNT.seq ? state.seq[state.seqIndex]! : 0xff
      case 0x3c6:
        return state.dacMask
      case 0x3c7:
        return state.dacMode
      case 0x3c8:
        return state.dacWriteIndex
      case 0x3c9: {
        const value = state.dac[state.dacReadIndex * 3 + state.dacComponent]!
        if (++state.dacComponent === 3) {
          state.dacComponent = 0
          state.dacReadIndex = (state.dacReadIndex + 1) & 0xff
        }
        return value
      }
      case 0x3ca:
        return state.featureControl
      case 0x3cc:
        return state.misc
      case 0x3ce:
        return state.gcIndex
      case 0x3cf:
        return state.gcIndex < COUNT.gc ? state.gc[state.gcIndex]! : 0xff
      case 0x3b4:
      case 0x3d4:
        return (port === 0x3d4) === colour() ? state.crtcIndex : 0xff
      case 0x3b5:
      case 0x3d5:
        if ((port === 0x3d5) !== colour()) return 0xff
        return state.crtcIndex < COUNT.crtc ? state.crtc[state.crtcIndex]! : 0xff
      case 0x3ba:
      case 0x3da: {
        if ((port === 0x3da) !== colour()) return 0xff
        state.attrData = false
        const now = ctx.clock.nowNs()
        const inFrame = now % FRAME_NS
        const vretrace = inFrame >= FRAME_NS - VRETRACE_NS
        const hblank = now % LINE_NS >= LINE_NS * 0.8
        return (vretrace ? 0x08 : 0) | (vretrace || hblank ? 0x01 : 0)
      }
      default:
        return 0xff
    }
  }

  function writePort(offset: number, value: number): void {
    const port = 0x3b0 + offset
    value &= 0xff
    switch (port) {
      case 0x3c0:
        if (!state.attrData) {
          state.attrIndex = value & 0x3f
        } else {
          const i = state.attrIndex & 0x1f
          if (i < COUNT.attr) state.attr[i] = value
          renderer.invalidate()
        }
        state.attrData = !state.attrData
        return
      case 0x3c2:
        state.misc = value
        renderer.invalidate()
        return
      case 0x3c4:
        state.seqIndex = value & 0x07
        return
      case 0x3c5:
        if (state.seqIndex < COUNT.seq) state.seq[state.seqIndex] = value
        renderer.invalidate()
        return
      case 0x3c6:
        state.dacMask = value
        return
      case 0x3c7:
        state.dacReadIndex = value
        state.dacComponent = 0
        state.dacMode = 3
        return
      case 0x3c8:
        state.dacWriteIndex = value
        state.dacComponent = 0
        state.dacMode = 0
        return
      case 0x3c9:
        state.dac[state.dacWriteIndex * 3 + state.dacComponent] = value
        if (++state.dacComponent === 3) {
          state.dacComponent = 0
          state.dacWriteIndex = (state.dacWriteIndex + 1) & 0xff
        }
        return
      case 0x3ce:
        state.gcIndex = value & 0x0f
        return
      case 0x3cf:
        if (state.gcIndex < COUNT.gc) state.gc[state.gcIndex] = value
        renderer.invalidate()
        return
      case 0x3b4:
      case 0x3d4:
        if ((port === 0x3d4) === colour()) state.crtcIndex = value & 0x1f
        return
      case 0x3b5:
      case 0x3d5: {
        if ((port === 0x3d5) !== colour()) return
        const i = state.crtcIndex
        if (i >= COUNT.crtc) return
        if (state.crtc[0x11]! & 0x80 && i <= 7) {
          // CR11 bit 7 protects CR0..7, except the line-compare bit 4 of CR7.
          if (i === 7) state.crtc[7] = (state.crtc[7]! & ~0x10) | (value & 0x10)
          return
        }
        state.crtc[i] = value
        renderer.invalidate()
        return
      }
      case 0x3ba:
      case 0x3da:
        if ((port === 0x3da) === colour()) state.featureControl = value
        return
      default:
    }
  }

  const ports = ctx.ioPorts(0x30, { read: readPort, write: writePort, sizes: [1] }, 'VGA registers')
  ports.map(0x3b0)

  // 0x1CE index, 0x1CF data; a 16-bit access to 0x1CF also covers 0x1D0, which is part of the range.
  const dispiPorts = ctx.ioPorts(
    3,
    {
      read: (offset) => (offset === 0 ? state.dispiIndex : offset === 1 ? dispiRead(state, vramBytes) : 0xffff),
      write: (offset, value) => {
        if (offset === 0) state.dispiIndex = value & 0xffff
        else if (offset === 1) dispiData(value)
      },
      sizes: [1, 2],
    },
    'VBE DISPI',
  )
  dispiPorts.map(0x1ce)

  const legacy = ctx.mmio(
    0x2_0000,
    {
      read: (offset) => readWindow(state, vram, offset),
      write: (offset, value) => writeWindow(state, vram, dirty, offset, value),
      sizes: [1],
    },
    'VGA legacy window',
  )
  legacy.map(0xa_0000)

  const lfb = ctx.mmio(
    vramBytes,
    {
      read(offset, size) {
        if (size === 1) return vram[offset]!
        if (size === 2) return vram[offset]! | (vram[offset + 1]! << 8)
        return (vram[offset]! | (vram[offset + 1]! << 8) | (vram[offset + 2]! << 16) | (vram[offset + 3]! << 24)) >>> 0
      },
      write(offset, value, size) {
        vram[offset] = value
        if (size > 1) vram[offset + 1] = value >>> 8
        if (size > 2) {
          vram[offset + 2] = value >>> 16
          vram[offset + 3] = value >>> 24
        }
        dirty.mark(offset)
      },
    },
    'VBE linear framebuffer',
  )
  // On a PCI machine the framebuffer is BAR 0 (the Bochs/QEMU standard VGA identity, which guest drivers
  // such as Linux bochs-drm know); without a PCI bus it sits at the configured address.
  let barSize = 16
  while (barSize < vramBytes) barSize *= 2
  const pci = ctx.service(pciBusContract)
    ? attachPciFunction(ctx, state.pciConfig, {
        name: 'vga',
        vendorId: 0x1234,
        deviceId: 0x1111,
        revision: 2,
        classCode: 0x03_0000,
        subsystemVendorId: 0x1af4,
        subsystemId: 0x1100,
        bars: [{ kind: 'memory', size: barSize, region: lfb, prefetchable: true }],
      })
    : undefined
  if (!pci && config.lfbBase !== 0) lfb.map(config.lfbBase)

  const services: VgaFirmwareServices = {
    vramBytes,
    get lfbBase() {
      return lfb.base ?? 0
    },
    readPort(port, size = 1) {
      if (port >= 0x1ce && port <= 0x1cf) return port === 0x1ce ? state.dispiIndex : dispiRead(state, vramBytes)
      return port >= 0x3b0 && port < 0x3e0
        ? size === 2
          ? readPort(port - 0x3b0) | (readPort(port - 0x3af) << 8)
          : readPort(port - 0x3b0)
        : 0xff
    },
    writePort(port, value, size = 1) {
      if (port === 0x1ce) state.dispiIndex = value & 0xffff
      else if (port === 0x1cf) dispiData(value)
      else if (port >= 0x3b0 && port < 0x3e0) {
        writePort(port - 0x3b0, value)
        if (size === 2 && port + 1 < 0x3e0) writePort(port - 0x3af, value >>> 8)
      }
    },
    readWindow: (offset) => readWindow(state, vram, offset),
    writeWindow: (offset, value) => writeWindow(state, vram, dirty, offset, value),
  }
  ctx.provide(vgaFirmwareContract, services)

  return {
    state,
    display,
    reset(kind) {
      state.misc = 0
      state.featureControl = 0
      state.seqIndex = state.crtcIndex = state.gcIndex = state.attrIndex = 0
      state.attrData = false
      state.seq.fill(0)
      state.crtc.fill(0)
      state.gc.fill(0)
      state.attr.fill(0)
      state.dacWriteIndex = state.dacReadIndex = state.dacComponent = state.dacMode = 0
      state.dacMask = 0xff
      state.dac.fill(0)
      state.latch = 0
      state.dispiIndex = 0
      state.dispi.fill(0)
      state.dispi[DISPI.ID] = 0xb0c5
      state.dispi[DISPI.XRES] = 640
      state.dispi[DISPI.YRES] = 480
      state.dispi[DISPI.BPP] = 8
      if (kind !== 'soft') vram.fill(0)
      renderer.invalidate()
      if (pci) {
        pci.reset()
        // Firmware that does not assign BARs (the Boxwood BIOS) still finds the framebuffer at the
        // configured address; SeaBIOS and guest OSes reassign it as usual.
        if (config.lfbBase !== 0) {
          new DataView(state.pciConfig.buffer, state.pciConfig.byteOffset).setUint32(0x10, config.lfbBase | 0x08, true)
          state.pciConfig[0x04]! |= 0x02
          pci.afterLoad()
        }
      }
    },
    afterReset() {
      refreshTimer.armIn(REFRESH_NS)
    },
    afterLoad() {
      if (state.vram.length !== vramBytes) {
        throw new RangeError(`vga: saved VRAM is ${state.vram.length} bytes, the adapter has ${vramBytes}`)
      }
      vramBuffer.set(state.vram)
      state.vram = vramBuffer
      vram = vramBuffer
      pci?.afterLoad()
      renderer.invalidate()
      display.refresh()
      if (refreshTimer.deadlineNs === undefined) refreshTimer.armIn(REFRESH_NS)
    },
  }
}

/** The VGA device definition (config node 'vga'). */
export const vgaDevice = defineDevice({
  name: 'vga',
  description: 'VGA with VBE DISPI and a linear framebuffer',
  maxInstances: 1,
  config: {
    vramMB: { type: 'u8', default: 16, min: 1, max: MAX_VRAM_MB, description: 'video memory in MiB' },
    lfbBase: { type: 'u32', default: 0xe000_0000, description: 'linear framebuffer address (0: not mapped)' },
  },
  savedState: vgaState,
  create: createVga,
})
