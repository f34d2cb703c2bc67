// Runs the differential-test firmware (qemu-diff/runtime.ts) in Bochs, the oracle for CPU features QEMU's TCG
// lacks (virtual-8086 mode extensions). Bochs (Debian `bochs` + `bochs-sdl`, SDL's dummy video driver) takes the
// image as its ROM BIOS; the image's output goes to Bochs's port 0xE9 console instead of COM1 (Bochs's UART
// drops bytes written faster than its baud rate) and the run ends through Bochs's shutdown port 0x8900.
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { assemble } from '../cpu/harness'
import { DUMP_BYTES, firmwareSource } from '../qemu-diff/runtime'

const run = promisify(execFile)

/** True when Bochs with the SDL2 display plugin and nasm are installed. */
export function haveBochs(): boolean {
  const nasm = spawnSync('nasm', ['-v'])
  const bochs = spawnSync('bochs-bin', ['--help'], { encoding: 'utf8' })
  const plugins = spawnSync('sh', ['-c', 'ls /usr/lib/*/bochs/plugins/libbx_sdl2_gui.so'])
  return nasm.status === 0 && bochs.error === undefined && plugins.status === 0
}

/** Replaces `from` (which must occur) in `source`. */
function patch(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`Bochs image: the runtime no longer contains ${JSON.stringify(from)}`)
  return source.replaceAll(from, to)
}

/** The Bochs variant of the firmware for `cases`: output on port 0xE9, exit through the shutdown port. */
export function buildBochsImage(cases: string): Uint8Array {
  let source = firmwareSource(cases)
  source = patch(source, 'mov dx, 0x3f8', 'mov dx, 0xe9')
  source = patch(
    source,
    'finish:\n  mov al, 0\n  out 0xf4, al\n',
    `bochs_shutdown: db "Shutdown"
finish:
  mov esi, bochs_shutdown
  mov ecx, 8
  mov dx, 0x8900
.shutdown:
  lodsb
  out dx, al
  loop .shutdown
`,
  )
  return assemble(source)
}

/** Where the guest's port 0xE9 bytes start in Bochs's stdout: after the debugger's first disassembly line. */
const PROLOGUE_END = /Next at t=0\n[^\n]*\n/

/**
 * Runs `image` in Bochs and returns the `cases` × DUMP_BYTES bytes the firmware wrote to port 0xE9. Debian builds
 * Bochs with its debugger, whose start-up prompt reads the command "c" (continue) from an -rc file.
 */
export async function runBochs(image: Uint8Array, cases: number): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-bochs-diff-'))
  try {
    writeFileSync(join(dir, 'bios.bin'), image)
    writeFileSync(join(dir, 'vga.bin'), new Uint8Array(0x8000)) // Bochs needs a VGA ROM file; nothing runs it
    writeFileSync(join(dir, 'continue.rc'), 'c\n')
    writeFileSync(
      join(dir, 'bochsrc'),
      [
        'megs: 32',
        `romimage: file=${join(dir, 'bios.bin')}, address=0x${(2 ** 32 - image.length).toString(16)}`,
        `vgaromimage: file=${join(dir, 'vga.bin')}`,
        'cpu: count=1, reset_on_triple_fault=0',
        'display_library: sdl2',
        'port_e9_hack: enabled=1',
        `log: ${join(dir, 'bochs.log')}`,
        'sound: driver=dummy',
        'speaker: enabled=0',
        'panic: action=fatal',
        'error: action=report',
        'info: action=ignore',
        'debug: action=ignore',
        '',
      ].join('\n'),
    )
    const env = { ...process.env, SDL_VIDEODRIVER: 'dummy', SDL_AUDIODRIVER: 'dummy' }
    let stdout: Buffer
    try {
      const r = await run('bochs-bin', ['-q', '-f', join(dir, 'bochsrc'), '-rc', join(dir, 'continue.rc')], {
        env,
        encoding: 'buffer',
        timeout: 60_000,
        maxBuffer: 16 << 20,
      })
      stdout = r.stdout
    } catch (e) {
      // The shutdown port ends Bochs through its panic path: exit status 1 with the output intact.
      const err = e as { code?: unknown; stdout?: Buffer }
      if (err.code !== 1 || err.stdout === undefined) throw e
      stdout = err.stdout
    }
    const text = stdout.toString('latin1')
    const m = PROLOGUE_END.exec(text)
    if (m === null) throw new Error(`Bochs output has no debugger prologue:\n${text.slice(0, 2000)}`)
    const start = m.index + m[0].length
    const bytes = new Uint8Array(stdout.subarray(start, start + cases * DUMP_BYTES))
    if (bytes.length !== cases * DUMP_BYTES)
      throw new Error(`Bochs wrote ${bytes.length} dump bytes, not ${cases * DUMP_BYTES}`)
    return bytes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
