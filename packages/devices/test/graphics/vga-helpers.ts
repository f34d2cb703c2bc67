// Shared helpers of the VGA tests: a test machine with the VGA, mode programming through guest-visible I/O.
import { createTestMachine, type TestMachine } from '@boxwood/device-testkit'
import { vgaDevice, type VgaInstance } from '../../src/graphics/vga/vga-device'
import { programVgaMode, type VgaProgrammingIo } from '../../src/graphics/vga/vga-modes'

export const LFB = 0xe000_0000

export function vgaMachine(vramMB = 4): { m: TestMachine; vga: VgaInstance } {
  const m = createTestMachine({ devices: [{ definition: vgaDevice, config: { vramMB } }] })
  return { m, vga: m.device('vga') as unknown as VgaInstance }
}

/** The guest-visible I/O a BIOS would use to program the VGA. */
export function guestIo(m: TestMachine): VgaProgrammingIo {
  return {
    out8: (port, value) => m.io.out8(port, value),
    in8: (port) => m.io.in8(port),
    writeWindow: (offset, value) => m.memory.write8(0xa_0000 + offset, value),
  }
}

export function setMode(m: TestMachine, mode: number, hideCursor = true): void {
  if (!programVgaMode(guestIo(m), mode)) throw new Error(`no mode ${mode}`)
  if (hideCursor) {
    m.io.out8(0x3d4, 0x0a)
    m.io.out8(0x3d5, 0x20)
  }
}

/** The 0x00RRGGBB colour of pixel (x, y) of an x8r8g8b8 display. */
export function pixel(vga: VgaInstance, x: number, y: number): number {
  const { stride, offset } = vga.display.mode
  const fb = vga.display.framebuffer()
  const p = offset + y * stride + x * 4
  return (fb[p + 2]! << 16) | (fb[p + 1]! << 8) | fb[p]!
}

export function dispi(m: TestMachine, index: number, value?: number): number {
  m.io.out16(0x1ce, index)
  if (value !== undefined) m.io.out16(0x1cf, value)
  return m.io.in16(0x1cf)
}
