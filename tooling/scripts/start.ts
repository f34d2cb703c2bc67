// `pnpm start`: the main job. Builds the CLI, then creates (once) and starts the demo VM — a boot program from this
// repository (demo/demo-boot.asm, assembled with nasm) on a raw disk — through `boxmanage`, exactly as a user would,
// and prints how to watch it: the remote display address, the serial console, a screenshot and how to stop it.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeDemoDisk } from './demo/demo-disk'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const boxmanagePath = join(root, 'packages/frontends/dist/boxmanage.js')
const VM = process.env.BOXWOOD_DEMO_VM ?? 'boxwood-demo'
const serialPort = Number(process.env.BOXWOOD_DEMO_SERIAL_PORT ?? 23230)
const vrdePort = Number(process.env.BOXWOOD_DEMO_VRDE_PORT ?? 3389)

/** Runs boxmanage; returns its output, or exits with its error unless `allowFailure`. */
function boxmanage(args: string[], allowFailure = false): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [boxmanagePath, ...args], { encoding: 'utf8' })
  const result = { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr }
  if (result.code !== 0 && !allowFailure) {
    console.error(`start: boxmanage ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`)
    process.exit(1)
  }
  return result
}

function machineReadable(text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^"?([^"=]+)"?="?(.*?)"?$/.exec(line)
    if (m) map.set(m[1] ?? '', m[2] ?? '')
  }
  return map
}

/** Sends a carriage return to the demo's serial console and returns what comes back (the guest echoes). */
function probeSerial(port: number): Promise<string> {
  return new Promise((done) => {
    let received = ''
    const socket = createConnection(port, '127.0.0.1')
    const finish = () => {
      socket.destroy()
      done(received)
    }
    socket.on('data', (d) => (received += d.toString('latin1')))
    // The guest resets its receive FIFO while it boots: ask twice, in case the first one came too early.
    socket.on('connect', () => {
      setTimeout(() => socket.write('boxwood\r'), 200)
      setTimeout(() => received.includes('boxwood') || socket.write('boxwood\r'), 1500)
    })
    socket.on('error', finish)
    setTimeout(finish, 3000)
  })
}

console.log('start: building boxmanage and the packages it needs…')
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=@boxwood/frontends', '--output-logs=errors-only'],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  },
)
if (build.status !== 0 || !existsSync(boxmanagePath)) {
  console.error('start: the build failed; run `pnpm build` to see why')
  process.exit(1)
}

const existing = boxmanage(['showvminfo', VM, '--machinereadable'], true)
if (existing.code !== 0) {
  const folder = boxmanage(['list', 'systemproperties']).stdout.match(/^Default machine folder: +(.*)$/m)?.[1]
  if (!folder) throw new Error('start: cannot find the default machine folder')
  const disk = join(folder, VM, `${VM}.img`)
  console.log(`start: creating the demo VM '${VM}' (its disk is demo/demo-boot.asm, assembled into ${disk})`)
  boxmanage(['createvm', '--name', VM, '--ostype', 'Other', '--register'])
  writeDemoDisk(disk)
  boxmanage([
    'modifyvm',
    VM,
    '--memory',
    '16',
    '--vram',
    '8',
    '--boot1',
    'disk',
    '--boot2',
    'none',
    '--boot3',
    'none',
    '--uart1',
    '0x3f8',
    '4',
    '--uart-mode1',
    'tcpserver',
    String(serialPort),
    '--vrde',
    'on',
    '--vrde-port',
    String(vrdePort),
    '--vrde-address',
    '127.0.0.1',
    '--description',
    'The Boxwood demo guest (tooling/scripts/demo/demo-boot.asm), created by pnpm start',
  ])
  boxmanage(['storagectl', VM, '--name', 'IDE', '--add', 'ide', '--controller', 'PIIX4'])
  boxmanage([
    'storageattach',
    VM,
    '--storagectl',
    'IDE',
    '--port',
    '0',
    '--device',
    '0',
    '--type',
    'hdd',
    '--medium',
    disk,
  ])
}

let info = machineReadable(boxmanage(['showvminfo', VM, '--machinereadable']).stdout)
if (info.get('VMState') !== 'running') {
  console.log(`start: starting '${VM}' headless…`)
  const started = boxmanage(['startvm', VM, '--type', 'headless'], true)
  if (started.code !== 0) {
    console.error(`start: the demo VM did not start:\n${started.stderr}`)
    console.error('start: what the lower layers can run today is listed in packages/main-api/README.md ("Not yet").')
    process.exit(1)
  }
  info = machineReadable(boxmanage(['showvminfo', VM, '--machinereadable']).stdout)
} else console.log(`start: '${VM}' is already running`)

const serialMode = info.get('uartmode1') ?? ''
const tcpPort = Number(/^tcpserver,(\d+)$/.exec(serialMode)?.[1] ?? serialPort)
const echo = await probeSerial(tcpPort)
const screenshot = join(dirname(info.get('CfgFile') ?? root), 'screenshot.png')
const shot = boxmanage(['controlvm', VM, 'screenshotpng', screenshot], true)
const keys = boxmanage(['controlvm', VM, 'keyboardputstring', 'hi'], true)
const keyboard =
  keys.code === 0
    ? `type into the remote display, or \`boxmanage controlvm ${VM} keyboardputstring hello\``
    : `not connected to the host yet (${keys.stderr.split('\n')[0]?.replace(/^boxmanage: error: /, '') ?? ''})`
const vrdeActual = Number(info.get('vrdeport') ?? -1)
const vrde =
  vrdeActual > 0
    ? `listening on 127.0.0.1:${vrdeActual} (RDP)`
    : info.get('vrde') === 'on'
      ? 'enabled, but the server did not start (the VM log says why)'
      : 'disabled'
const cli = `node ${boxmanagePath}`

console.log('')
console.log(`The demo VM '${VM}' is running (state: ${info.get('VMState')}).`)
console.log(`  What it is:      a boot sector written for Boxwood (tooling/scripts/demo/demo-boot.asm): it draws a`)
console.log(`                   320x200 colour screen, echoes the serial port, and echoes keys to COM1 and the screen.`)
console.log(`  Serial console:  TCP 127.0.0.1:${tcpPort} — e.g. \`socat -,raw,echo=0 TCP:127.0.0.1:${tcpPort}\` or`)
console.log(`                   \`telnet 127.0.0.1 ${tcpPort}\`; type and the guest echoes it.`)
console.log(
  `                   ${echo.includes('boxwood') ? `Checked just now: the guest echoed ${JSON.stringify(echo)}.` : 'It did not answer the check just now.'}`,
)
console.log(`  Remote display:  ${vrde}`)
console.log(
  `                   connect with an RDP client: \`xfreerdp /v:127.0.0.1:${vrdeActual > 0 ? vrdeActual : vrdePort}\``,
)
console.log(`  Keyboard:        ${keyboard}`)
console.log(
  `  Screenshot:      ${shot.code === 0 ? screenshot : `not available (${shot.stderr.trim().split('\n')[0]})`}`,
)
console.log(`  Manage it:       alias boxmanage="${cli}"`)
console.log(`                   boxmanage showvminfo ${VM}`)
console.log(`                   boxmanage controlvm ${VM} screenshotpng screen.png`)
console.log(`                   boxmanage controlvm ${VM} poweroff`)
console.log(`                   boxmanage unregistervm ${VM} --delete   (pnpm start creates it again)`)
