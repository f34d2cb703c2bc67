// A booting guest's screen over RDP and VNC: a PC machine from @boxwood/devices (Boxwood BIOS, VGA, no boot
// device) is served by both servers from power-on, while its screen is still blank; xfreerdp and TigerVNC's viewer
// follow the VGA's mode change to 80×25 text (720×400) and end up showing exactly the BIOS's text screen.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPcConfig, createInputPort, createPcMachine } from '@boxwood/devices'
import type { DisplaySource, VgaInstance } from '@boxwood/devices'
import { RdpServer, VncServer } from '@boxwood/vrde'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countMismatches, screenshotRoot, waitFor } from './helpers/image'
import { startTigerVnc } from './helpers/tigervnc'
import { startXvfb, stopProcess } from './helpers/xvfb'

let certDir = ''
beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'boxwood-guest-screen-'))
})
afterAll(async () => {
  await rm(certDir, { recursive: true, force: true })
})

/** Pixels that are not black: the BIOS has written text once there are many. */
function litPixels(d: DisplaySource): number {
  const fb = d.framebuffer()
  let lit = 0
  for (let i = d.mode.offset; i < fb.length; i += 4) if (fb[i] || fb[i + 1] || fb[i + 2]) lit++
  return lit
}

describe('a booting guest served over RDP and VNC', () => {
  it('xfreerdp and TigerVNC follow the BIOS from a blank screen to its text screen', async () => {
    const input = createInputPort()
    const { vm } = createPcMachine(
      buildPcConfig({ ramBytes: 16 << 20, firmware: { kind: 'boxwood' }, vga: true, input }),
    )
    const vga = vm.host.devices.find((d) => d.definition.name === 'vga')?.device as VgaInstance | undefined
    if (!vga) throw new Error('the PC has no VGA')
    const display = vga.display
    const logs: string[] = []
    const logger = (level: string, message: string) => void logs.push(`${level} ${message}`)
    const rdp = new RdpServer(
      { properties: { 'TCP/Ports': '3400-3499' }, certificateDir: certDir, logger },
      display,
      input.sink,
    )
    const vnc = new VncServer({ properties: { 'TCP/Ports': '5960-5999' }, logger }, display, input.sink)
    const rdpPort = (await rdp.start()).port
    const vncPort = (await vnc.start()).port
    const rdpX = await startXvfb(720, 400)
    const vncX = await startXvfb(720, 400)
    // A windowed client (no window manager: it sits at 0,0): its window follows the guest from the VGA's 1×1
    // blank screen to 720×400, where a full-screen one keeps the size it started with.
    const rdpClient = spawn(
      'xfreerdp',
      [`/v:127.0.0.1:${rdpPort}`, '/sec:tls', '/cert:ignore', '-decorations', '-grab-keyboard', '/log-level:WARN'],
      { env: { ...process.env, DISPLAY: rdpX.display, HOME: certDir }, stdio: 'ignore' },
    )
    const vncClient = startTigerVnc(vncX.display, vncPort)
    try {
      // Both clients are in before the guest draws anything.
      expect(await waitFor(() => rdp.info.numberOfClients === 1 && vnc.info.numberOfClients === 1, 20_000, 100)).toBe(
        true,
      )
      vm.powerOn()
      // Run the guest (yielding to the servers between slices) until the BIOS's text is on the screen, then a
      // little longer so the VGA's refresh has reported it; then stop stepping it, so the screen stays still.
      let ran = 0
      while (ran < 5_000 && !(display.mode.width === 720 && litPixels(display) > 500)) {
        vm.runFor(10_000_000)
        ran += 10
        await new Promise((r) => setImmediate(r))
      }
      expect([display.mode.width, display.mode.height]).toEqual([720, 400])
      for (let i = 0; i < 10; i++) {
        vm.runFor(10_000_000)
        await new Promise((r) => setImmediate(r))
      }
      const shownRdp = await waitFor(
        async () => countMismatches(display, await screenshotRoot(rdpX.display, 720)) === 0,
        20_000,
        300,
      )
      const shownVnc = await waitFor(
        async () => countMismatches(display, await screenshotRoot(vncX.display, 720)) === 0,
        20_000,
        300,
      )
      expect({ shownRdp, shownVnc }, logs.join('\n')).toEqual({ shownRdp: true, shownVnc: true })
    } finally {
      await stopProcess(rdpClient)
      await stopProcess(vncClient)
      await rdpX.stop()
      await vncX.stop()
      await rdp.stop()
      await vnc.stop()
      if (vm.state !== 'powered-off') vm.powerOff()
    }
  }, 120_000)
})
