// Boot test for PAE paging with execute-disable (issue 3): Debian 12's i386 `686-pae` kernel with the busybox
// initramfs on the 8259-only PC, loaded directly through the 32-bit boot protocol with its console on ttyS0, finds
// PAE in CPUID 1 and NX in CPUID 0x8000_0001, turns on EFER.NXE ("NX (Execute Disable) protection: active",
// arch/x86/mm/setup_nx.c), checks its page tables for writable+executable mappings (CONFIG_DEBUG_WX), reaches the
// shell, reports `pae` and `nx` in /proc/cpuinfo and powers off through ACPI S5 — in one boot. Intel SDM vol. 3A
// 4.4 (PAE paging), 4.6 (execute-disable). Each stage is asserted separately so a failure says how far it got.
import { describe, expect, it } from 'vitest'
import { buildPaeLinuxGuest } from '@boxwood/guest-builder'
import { buildPcConfig, createMemoryCharBackend, createPcMachine } from '@boxwood/devices'
import { powerOff, reachShell } from './busybox-shell'
import { runUntil } from './run-until'

const CR0_PG = 0x8000_0000
const CR4_PAE = 0x20
const EFER_NXE = 0x800

describe('direct Linux boot of the PAE kernel (Debian 12 i386 686-pae + busybox initramfs)', () => {
  // Budgets are virtual seconds at 10 ns per instruction, as in the other Linux boots.
  it('runs PAE paging with NX active, shows pae and nx in /proc/cpuinfo, powers off', async () => {
    const guest = buildPaeLinuxGuest()
    const com1 = createMemoryCharBackend()
    const { vm } = createPcMachine(
      buildPcConfig({
        // 64 MiB is plenty for a busybox shell and halves the memory the kernel initialises and W+X-checks.
        ramBytes: 64 << 20,
        firmware: {
          kind: 'linux',
          kernel: guest.kernel,
          initrd: guest.initrd,
          // This boot must stay as short as the direct one, so it skips two pure-arithmetic late initcalls the
          // shell boots still run (virtual seconds to /init measured with initcall_debug, ~65 in all): the crypto
          // self-tests (crypto_algapi_init, ~31 s) and the RSA self-signature check of the built-in X.509 key
          // (load_system_certificate_list, ~5.6 s); nor does it probe for ISA Plug and Play cards (noisapnp),
          // which this PC has none of. The NMI watchdog stays on: reboot() reads its counter with RDPMC.
          cmdline:
            'console=ttyS0 loglevel=7 tsc=reliable cryptomgr.notests noisapnp ' +
            'initcall_blacklist=load_system_certificate_list',
        },
        serial: [com1],
        startTime: 1_767_225_600, // 2026-01-01T00:00:00Z
      }),
    )
    const log = () => com1.text()
    const failure = (name: string, detail: string) =>
      `${name}: ${detail}; last serial lines:\n${log().split('\n').slice(-20).join('\n')}`
    const stage = (name: string, done: () => boolean, budgetS: number, stepNs = 100_000_000) => {
      const outcome = runUntil(vm, done, budgetS * 1e9, stepNs)
      expect(outcome.reached, failure(name, `not reached (${JSON.stringify(outcome)})`)).toBe(true)
    }
    const logged = (text: string) => () => log().includes(text)
    vm.powerOn()

    stage('kernel banner of the PAE kernel', logged(`Linux version ${guest.release}`), 60)
    stage('NX active (CPUID NX, EFER.NXE)', logged('NX (Execute Disable) protection: active'), 5)
    const shell = { vm, com1, stage }
    await reachShell(shell, { init: 120, prompt: 60 })
    // mark_rodata_ro() walks the final kernel page tables (PAE entries, NX bits) just before starting /init.
    expect(log(), failure('W+X check', 'no pass')).toMatch(/Checked W\+X mappings: passed, no W\+X pages found/)

    // The guest really runs with PAE paging and NXE on (what the CPU holds, not what the kernel says).
    const { cr0, cr4, msr } = vm.cpu.getState()
    expect((cr0 & CR0_PG) >>> 0, 'CR0.PG').toBe(CR0_PG)
    expect(cr4 & CR4_PAE, 'CR4.PAE').toBe(CR4_PAE)
    expect(msr.efer & EFER_NXE, 'EFER.NXE').toBe(EFER_NXE)

    // Linux's own view of the CPU: the flags line of /proc/cpuinfo. ($((40+2)) keeps the done marker, and
    // has-$f the results, out of the echoed command line.)
    const before = log().length
    const since = () => log().slice(before)
    com1.push(`for f in pae nx; do grep -qw $f /proc/cpuinfo && echo has-$f; done; echo cpuinfo-$((40+2))\n`)
    stage('/proc/cpuinfo read', () => since().includes('cpuinfo-42'), 30)
    expect(since(), failure('/proc/cpuinfo', 'flag missing')).toContain('has-pae')
    expect(since(), failure('/proc/cpuinfo', 'flag missing')).toContain('has-nx')

    await powerOff(shell, 120)
  }, 3_600_000)
})
