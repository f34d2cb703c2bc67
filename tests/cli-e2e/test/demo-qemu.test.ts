// The demo guest (tooling/scripts/demo, what `pnpm start` runs) on Boxwood, with QEMU + SeaBIOS as the oracle:
// the same disk image prints the same COM1 banner and draws the same screen (ImageMagick compare) on both; on
// Boxwood it echoes its serial port (TCP server mode) and keys typed with controlvm.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canConnect, connectWithRetry, freePort } from '@boxwood/test-net'
import { DEMO_BANNER, writeDemoDisk } from '../../../tooling/scripts/demo/demo-disk'
import { argv } from './argv'
import { createHome, machineReadable, waitFor, type E2eHome } from './binaries'

/** True once the guest printed its banner to the COM1 file `serial` (it does so when its screen is drawn). */
function printedBanner(serial: string): boolean {
  return existsSync(serial) && readFileSync(serial, 'latin1').includes(DEMO_BANNER)
}

/** Runs the disk in QEMU (SeaBIOS, std VGA) until the banner appears, then screendumps it to a PNG. */
async function runInQemu(dir: string, disk: string): Promise<{ serial: string; png: string }> {
  const serial = join(dir, 'qemu-com1.log')
  const monitor = join(dir, 'qemu-monitor.sock')
  const ppm = join(dir, 'qemu.ppm')
  const qemu = spawn(
    'qemu-system-i386',
    [
      '-drive',
      `file=${disk},format=raw,if=ide,snapshot=on`,
      '-serial',
      `file:${serial}`,
      '-display',
      'none',
      '-vga',
      'std',
      '-m',
      '16',
      '-monitor',
      `unix:${monitor},server,nowait`,
    ],
    { stdio: 'ignore' },
  )
  try {
    await waitFor(() => printedBanner(serial))
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection(monitor)
      socket.on('error', reject)
      socket.on('connect', () => socket.write(`screendump ${ppm}\n`))
      const poll = setInterval(() => {
        if (existsSync(ppm) && readFileSync(ppm).length >= 320 * 200 * 3) {
          clearInterval(poll)
          socket.destroy()
          resolve()
        }
      }, 100)
    })
  } finally {
    qemu.kill()
  }
  const png = join(dir, 'qemu.png')
  execFileSync('convert', [ppm, png])
  return { serial: readFileSync(serial, 'latin1'), png }
}

/** COM1 of the running demo VM, seen by a TCP client. */
interface SerialClient {
  readonly socket: Socket
  /** What COM1 sent since the connection or the last `clear()`. */
  text(): string
  clear(): void
  /** Waits until `text()` contains `expected`; the timeout error quotes what COM1 did send. */
  waitFor(expected: string, timeoutMs?: number): Promise<void>
}

/**
 * Puts COM1 in TCP server mode on a free port, starts the VM, connects and resets the guest, then waits for its
 * banner. A TCP server port drops what the guest writes while no client is connected (as in VirtualBox), and the
 * guest may print its banner (which comes after its UART set-up resets the FIFO) before the client gets in: so
 * connect first, then reset for a banner the client sees. The VM is paused from before the connection until after
 * the reset: a banner printed while the client connects would otherwise arrive after the (synchronous) reset
 * command and pass for the new boot's banner, and keys typed then would reach a guest still setting up its UART.
 */
async function startWithSerialClient(home: E2eHome): Promise<SerialClient> {
  const port = await freePort()
  home.ok('modifyvm', 'demo', '--uart-mode1', 'tcpserver', String(port))
  home.ok('startvm', 'demo')
  home.ok('controlvm', 'demo', 'pause')
  let received = ''
  const socket = await connectWithRetry(port)
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')))
  const client: SerialClient = {
    socket,
    text: () => received,
    clear: () => (received = ''),
    waitFor: (expected, timeoutMs = 10_000) =>
      waitFor(() => received.includes(expected), timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}; COM1 gave ${JSON.stringify(received)}`)
      }),
  }
  home.ok('controlvm', 'demo', 'reset')
  home.ok('controlvm', 'demo', 'resume')
  await client.waitFor(DEMO_BANNER, 20_000)
  return client
}

describe('the demo guest on Boxwood and on QEMU', () => {
  let home: E2eHome
  let disk: string
  beforeAll(() => {
    home = createHome('demo')
    disk = join(home.dir, 'demo.img')
    writeDemoDisk(disk)
    home.ok('setproperty', 'machinefolder', join(home.dir, 'VMs'))
    home.ok('createvm', '--name', 'demo', '--register')
    const log = join(home.dir, 'com1.log')
    home.ok(...argv`modifyvm demo --memory 16 --boot1 disk --uart1 0x3f8 4 --uart-mode1 file ${log}`)
    home.ok('storagectl', 'demo', '--name', 'IDE', '--add', 'ide')
    home.ok(...argv`storageattach demo --storagectl IDE --port 0 --device 0 --type hdd --medium ${disk}`)
  })
  afterAll(() => {
    home.boxmanage('controlvm', 'demo', 'poweroff')
    home.cleanup()
  })

  it('prints the same banner and draws the same screen as under QEMU', async () => {
    home.ok('startvm', 'demo')
    const serial = join(home.dir, 'com1.log')
    await waitFor(() => printedBanner(serial))
    const boxwoodPng = join(home.dir, 'boxwood.png')
    home.ok('controlvm', 'demo', 'screenshotpng', boxwoodPng)
    home.ok('controlvm', 'demo', 'poweroff')
    const qemu = await runInQemu(home.dir, disk)
    expect(readFileSync(serial, 'latin1')).toBe(qemu.serial)
    // The VGA DAC's 6-bit colours may be widened to 8 bits differently: allow 2 % per channel, no other difference.
    let differing = ''
    try {
      differing = execFileSync(
        'compare',
        ['-metric', 'AE', '-fuzz', '2%', boxwoodPng, qemu.png, join(home.dir, 'diff.png')],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
    } catch (error) {
      differing = String((error as { stderr?: string }).stderr ?? error)
    }
    expect(differing.trim() || '0').toBe('0')
  })

  it('echoes what arrives on its serial port (TCP server mode)', async () => {
    const com1 = await startWithSerialClient(home)
    com1.socket.write('echo me\r')
    await com1.waitFor('echo me\r')
    com1.socket.destroy()
    home.ok('controlvm', 'demo', 'poweroff')
  })

  it('shows its screen to a VNC client (vncsnapshot) as screenshotpng captures it', async () => {
    const port = await freePort()
    home.ok(...argv`modifyvm demo --vrde on --vrde-extpack VNC --vrde-port ${port} --vrde-address 127.0.0.1`)
    // COM1 back to its file, for the banner: the screen is drawn then, and both captures see the same picture.
    const serial = join(home.dir, 'com1.log')
    home.ok('modifyvm', 'demo', '--uart-mode1', 'file', serial)
    rmSync(serial, { force: true })
    home.ok('startvm', 'demo')
    await waitFor(() => printedBanner(serial))
    expect(machineReadable(home.ok('showvminfo', 'demo', '--machinereadable')).get('vrdeport')).toBe(String(port))
    const png = join(home.dir, 'vnc-direct.png')
    home.ok('controlvm', 'demo', 'screenshotpng', png)
    const jpg = join(home.dir, 'vnc.jpg')
    // vncsnapshot takes a display number or, with "::", a port.
    execFileSync('vncsnapshot', ['-quiet', '-quality', '100', `127.0.0.1::${port}`, jpg], {
      stdio: 'pipe',
      timeout: 30_000,
    })
    expect(execFileSync('identify', ['-format', '%w %h', jpg], { encoding: 'utf8' })).toBe('320 200')
    // JPEG is lossy: the normalised RMSE between the client's picture and the screenshot stays small.
    let rmse = ''
    try {
      execFileSync('compare', ['-metric', 'RMSE', png, jpg, join(home.dir, 'vnc-diff.png')], { stdio: 'pipe' })
      rmse = '0 (0)'
    } catch (error) {
      rmse = String((error as { stderr?: Buffer }).stderr ?? '')
    }
    const normalised = Number(/\(([\d.e-]+)\)/.exec(rmse)?.[1] ?? 'NaN')
    expect(normalised).toBeLessThan(0.05)
    home.ok('controlvm', 'demo', 'poweroff')
    home.ok('modifyvm', 'demo', '--vrde', 'off')
  })

  it("controlvm vrde on|off and vrdeport switch the running VM's remote display (vncsnapshot)", async () => {
    home.ok('startvm', 'demo')
    const first = await freePort()
    // The VNC settings of the previous test stay; the server is off until controlvm turns it on.
    home.ok('controlvm', 'demo', 'vrdeport', String(first))
    expect(await canConnect(first)).toBe(false)
    home.ok('controlvm', 'demo', 'vrde', 'on')
    const snapshot = (port: number) => {
      const jpg = join(home.dir, `live-${port}.jpg`)
      execFileSync('vncsnapshot', ['-quiet', `127.0.0.1::${port}`, jpg], { stdio: 'pipe', timeout: 30_000 })
      return execFileSync('identify', ['-format', '%w %h', jpg], { encoding: 'utf8' })
    }
    expect(snapshot(first)).toBe('320 200')
    const second = await freePort()
    home.ok('controlvm', 'demo', 'vrdeport', String(second))
    expect(snapshot(second)).toBe('320 200')
    expect(await canConnect(first)).toBe(false)
    const info = machineReadable(home.ok('showvminfo', 'demo', '--machinereadable'))
    expect([info.get('vrde'), info.get('vrdeport'), info.get('vrdeports')]).toEqual([
      'on',
      String(second),
      String(second),
    ])
    home.ok('controlvm', 'demo', 'vrde', 'off')
    expect(await canConnect(second)).toBe(false)
    expect(machineReadable(home.ok('showvminfo', 'demo', '--machinereadable')).get('vrde')).toBe('off')
    home.ok('controlvm', 'demo', 'poweroff')
  })

  it('echoes keys typed on its keyboard to COM1 and draws a block per key', async () => {
    const com1 = await startWithSerialClient(home)
    const before = join(home.dir, 'before.png')
    home.ok('controlvm', 'demo', 'screenshotpng', before)
    com1.clear()
    home.ok('controlvm', 'demo', 'keyboardputstring', 'Hi there')
    await com1.waitFor('hi there')
    com1.socket.destroy()
    // Shift has no character: exactly the eight letters and the space arrive.
    expect(com1.text()).toBe('hi there')
    const after = join(home.dir, 'after.png')
    home.ok('controlvm', 'demo', 'screenshotpng', after)
    let changed = ''
    try {
      execFileSync('compare', ['-metric', 'AE', before, after, join(home.dir, 'keys-diff.png')], { stdio: 'pipe' })
    } catch (error) {
      changed = String((error as { stderr?: Buffer }).stderr ?? '')
    }
    // Nine 8x8 blocks (Shift makes one too): up to 9 * 64 pixels change (a few may match the pattern below).
    const pixels = Number(changed.trim())
    expect(pixels).toBeGreaterThan(8 * 64)
    expect(pixels).toBeLessThanOrEqual(9 * 64)
    home.ok('controlvm', 'demo', 'poweroff')
  })
})
