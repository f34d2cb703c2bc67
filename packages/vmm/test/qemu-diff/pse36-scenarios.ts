// PSE-36 scenarios for the QEMU differential test (Intel SDM vol. 3A 4.3, table 4-4; CPUID.1:EDX bit 17): a 4 MB
// page's PDE bits 16:13 are physical address bits 35:32, bits 21:17 are reserved. The machines have 32 MB of RAM,
// so frames above 4 GB hold nothing: writes vanish, and reads return all ones in Boxwood (unclaimed physical space,
// test/cpu/pse36.test.ts) but zeros in QEMU, so the cases record only whether a read gave back what was written.
// QEMU 7.2 leaves P out of reserved-bit #PF error codes (see pae-scenarios.ts); those cases are marked `rsvd`. QEMU
// also treats PDE bits 20:17 as physical address bits 39:36 instead of reserved ones (MAXPHYADDR 36 makes them
// reserved, SDM table 4-4), so only bit 21 is compared here; test/cpu/pse36.test.ts covers bits 20:17.
import type { PaeScenario } from './pae-scenarios'

/** QEMU CPU model: pentium3 reports PSE-36. */
export const PSE36_QEMU_CPU = 'pentium3'

/** PSE_ON: the runtime's PAGING_ON (4 KB identity pages for linear 0–4 MB, PD at 0x20000), then CR4.PSE. */
export const PSE36_MACROS = `
%macro PSE_ON 0
  PAGING_ON
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
%endmacro
`

const c = (name: string, body: string, rsvd = false): PaeScenario => ({
  name,
  asm: `; ${name}\n  CASE_BEGIN\n${body}\n  CASE_END`,
  rsvd,
})

export const PSE36_SCENARIOS: readonly PaeScenario[] = [
  c(
    'CPUID.1:EDX reports PSE-36 (bit 17) with PSE (bit 3)',
    `  mov eax, 1
  cpuid
  and edx, (1 << 17) | (1 << 3)
  xor eax, eax
  xor ebx, ebx
  xor ecx, ecx`,
  ),
  c(
    'a 4 MB page with PDE bits 16:13 = 1 maps 4 GB up: a write there does not come back, the PDE gets A and D',
    `  PSE_ON
  mov dword [0x20008], 0x000087 | (1 << 13)
  mov dword [0x10], 0x5a5a5a5a
  mov dword [0x800010], 0x12345678
  cmp dword [0x800010], 0x12345678
  sete [DATA]
  mov eax, [0x20008]
  mov [DATA + 4], eax
  mov eax, [0x10]
  mov [DATA + 8], eax
  xor ebx, ebx ; flags independent of the value read above 4 GB`,
  ),
  c(
    'bits 16:13 = 0xF (physical 0xF_0000_0000 up) and the same frame number below 4 GB are different memory',
    `  PSE_ON
  mov dword [0x20008], 0x000087 | (0xf << 13)
  mov dword [0x2000c], 0x000087
  mov dword [0xc00100], 0xcafef00d
  mov dword [0x800100], 0x11223344
  cmp dword [0x800100], 0x11223344
  sete [DATA]
  mov eax, [0xc00100]
  mov [DATA + 4], eax
  mov eax, [0x2000c]
  mov [DATA + 8], eax
  xor ebx, ebx`,
  ),
  c(
    'a 4 MB page whose PDE sets reserved bit 21 faults #PF with RSVD (on a write from ring 0)',
    `  PSE_ON
  mov dword [0x20008], 0x000087 | (1 << 21)
  mov dword [0x800000], 1`,
    true,
  ),
  c(
    'a not-present PDE with reserved bits set is a plain not-present #PF',
    `  PSE_ON
  mov dword [0x20008], 0x000086 | (1 << 21)
  mov eax, [0x800000]`,
  ),
]
