// Boots the benchmark guest on `qemu-system-i386 -accel tcg` (Debian package qemu-system-x86) with
// -kernel/-initrd/-append, the same RAM size, console on the serial port (stdio); times spawn → shell prompt →
// process exit after `poweroff` (QEMU exits when the guest powers off through ACPI S5).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BootGuest, BootTimes } from './guest'

/** User + system CPU seconds of a running process (Linux /proc; 0 where unavailable). */
function processCpuS(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, 'latin1')
      .split(') ')[1]!
      .split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** Boots `guest` on QEMU TCG; resolves with the wall-clock milestones (ms since the process was spawned). */
export async function bootQemu(guest: BootGuest, options: { timeoutMs: number; echo?: boolean }): Promise<BootTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-bench-boot-'))
  try {
    writeFileSync(join(dir, 'bzImage'), guest.kernel)
    writeFileSync(join(dir, 'initrd'), guest.initrd)
    const t0 = performance.now()
    const qemu = spawn(
      'qemu-system-i386',
      [
        ['-accel', 'tcg'],
        ['-m', `${guest.ramBytes >> 20}M`],
        ['-kernel', join(dir, 'bzImage')],
        ['-initrd', join(dir, 'initrd')],
        ['-append', guest.cmdline],
        ['-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot'],
      ].flat(),
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    return await new Promise<BootTimes>((resolve, reject) => {
      const timer = setTimeout(() => {
        qemu.kill('SIGKILL')
        reject(new Error(`QEMU: no power-off within ${options.timeoutMs} ms`))
      }, options.timeoutMs)
      let text = ''
      let promptMs = -1
      let stderr = ''
      // QEMU's CPU time, sampled while it runs (it cannot be read after the process is gone).
      let cpuS = 0
      const sampler = setInterval(() => (cpuS = Math.max(cpuS, processCpuS(qemu.pid))), 100)
      qemu.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')))
      qemu.stdout.on('data', (d: Buffer) => {
        const chunk = d.toString('latin1')
        if (options.echo) process.stderr.write(chunk)
        text = (text + chunk).slice(-256)
        if (promptMs < 0 && text.includes(guest.prompt)) {
          promptMs = performance.now() - t0
          qemu.stdin.write('poweroff\n')
        }
      })
      qemu.on('error', (e) => {
        clearTimeout(timer)
        clearInterval(sampler)
        reject(e)
      })
      qemu.on('exit', (code) => {
        clearTimeout(timer)
        clearInterval(sampler)
        if (promptMs < 0) reject(new Error(`QEMU exited (${String(code)}) before the prompt: ${stderr.trim()}`))
        else resolve({ promptMs, poweroffMs: performance.now() - t0, instructions: 0, cpuS })
      })
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
