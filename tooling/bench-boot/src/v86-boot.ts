// Boots the benchmark guest on v86 (npm `v86`, its wasm JIT on): SeaBIOS and the VGA BIOS from Debian's seabios
// package, the same bzImage, initrd, command line and RAM size, console on the first serial port; times
// power-on → shell prompt → `poweroff` (v86 has ACPI off by default, so power-off is the kernel's final
// "reboot: System halted" message on the console; with ACPI it would be "reboot: Power down").
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { BootGuest, BootTimes } from './guest'

/** SeaBIOS and its VGA BIOS as Debian installs them (package seabios). */
export const SEABIOS = '/usr/share/seabios/bios.bin'
export const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin'

/** The kernel's last console line after `poweroff` (ACPI S5, or a halt where v86 has no ACPI). */
export const POWERED_DOWN = /reboot: (Power down|System halted)/

/** The part of v86's emulator object the benchmark tools use. */
export interface V86Like {
  add_listener(event: string, listener: (value: unknown) => void): void
  serial0_send(text: string): void
  get_instruction_counter(): number
  destroy(): Promise<void>
}

const bufferOf = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

/** Starts v86 on `guest` (with `cmdline`, the guest's by default): SeaBIOS, console on the first serial port. */
export async function startV86(guest: BootGuest, cmdline = guest.cmdline): Promise<V86Like> {
  const require = createRequire(import.meta.url)
  const v86Dir = dirname(dirname(require.resolve('v86/package.json')))
  const { V86 } = (await import('v86')) as unknown as { V86: new (o: object) => V86Like }
  return new V86({
    wasm_path: join(v86Dir, 'v86', 'build', 'v86.wasm'),
    bios: { buffer: bufferOf(new Uint8Array(readFileSync(SEABIOS))) },
    vga_bios: { buffer: bufferOf(new Uint8Array(readFileSync(VGABIOS))) },
    bzimage: { buffer: bufferOf(guest.kernel) },
    initrd: { buffer: bufferOf(guest.initrd) },
    cmdline,
    memory_size: guest.ramBytes,
    vga_memory_size: 8 << 20,
    autostart: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  })
}

/** Options of {@link bootV86}. */
export interface V86BootOptions {
  /** Wall-clock limit for the whole run. */
  readonly timeoutMs: number
  /** Echo the guest's serial output to stderr. */
  readonly echo?: boolean
  /** Called with the emulator once it exists (timeline.ts samples its instruction counter). */
  readonly onStart?: (emulator: V86Like) => void
  /** Called when the shell prompt appears. */
  readonly onPrompt?: () => void
}

/** Boots `guest` on v86; resolves with the wall-clock milestones (ms since the emulator was created). */
export async function bootV86(guest: BootGuest, options: V86BootOptions): Promise<BootTimes> {
  const t0 = performance.now()
  const emulator = await startV86(guest)
  options.onStart?.(emulator)
  try {
    return await new Promise<BootTimes>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`v86: no power-off within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      )
      let text = ''
      let promptMs = -1
      emulator.add_listener('serial0-output-byte', (value) => {
        const ch = String.fromCharCode(value as number)
        if (options.echo) process.stderr.write(ch)
        text = (text + ch).slice(-256)
        if (promptMs < 0 && text.endsWith(guest.prompt)) {
          promptMs = performance.now() - t0
          options.onPrompt?.()
          emulator.serial0_send('poweroff\n')
        } else if (promptMs >= 0 && POWERED_DOWN.test(text)) {
          clearTimeout(timer)
          resolve({ promptMs, poweroffMs: performance.now() - t0, instructions: 0 })
        }
      })
    })
  } finally {
    await emulator.destroy()
  }
}
