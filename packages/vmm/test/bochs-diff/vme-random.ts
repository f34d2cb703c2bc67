// Seeded random V86 programs for the Bochs differential test: short runs of the VIF-sensitive instructions
// (CLI, STI, PUSHF/POPF with random images, PUSHFD/POPFD, INT n redirected or not, 16-bit IRET with random
// images) under random CR4.VME/PVI, IOPL, VIF and VIP. A checksum of every FLAGS image the task sees ends in SI.
import { Rng } from '../qemu-diff/random-cases'
import type { Scenario } from '../qemu-diff/scenarios'
import { v86 } from './vme-scenarios'

const IF = 0x200
const TF = 0x100
const VIF = 0x80000
const VIP = 0x100000

/** The IVT handler of vector 0x22 (0700:0100): adds its FLAGS to the checksum and returns with IRET. */
const INT22_HANDLER = `  times 0x100 - ($ - .code) db 0x90
  pushf
  pop bx
  add si, bx
  rol si, 1
  iret`

/**
 * A random 16-bit FLAGS image: arithmetic flags, IF, IOPL and NT; TF only where it faults (IOPL < 3). DF stays
 * clear: the runtime's dump routine runs with the interrupted task's DF.
 */
function flagsImage(rng: Rng, iopl: number): number {
  let v = rng.next() & 0x7ad5
  if (iopl === 3 || rng.int(6) !== 0) v &= ~TF
  return v | 2
}

/** One random instruction (or a short group that keeps the stack balanced). */
function instruction(rng: Rng, iopl: number, n: number): string {
  switch (rng.int(9)) {
    case 0:
      return '  cli'
    case 1:
      return '  sti'
    case 2:
      return '  pushf\n  pop bx\n  add si, bx\n  rol si, 1'
    case 3:
      return `  push word 0x${flagsImage(rng, iopl).toString(16)}\n  popf`
    case 4:
      return rng.int(3) === 0 ? '  pushfd\n  pop ebx' : '  push dword 0\n  popfd'
    case 5:
    case 6:
      return '  int 0x22'
    case 7:
      return `  push word 0x${flagsImage(rng, iopl).toString(16)}
  push word 0x0700
  push word .i${n} - .code
  iret
.i${n}:`
    default:
      return `  mov ax, 0x${rng.int(0x10000).toString(16)}`
  }
}

/** `count` random scenarios from `seed`. */
export function randomVmeScenarios(seed: number, count: number): Scenario[] {
  const rng = new Rng(seed)
  const out: Scenario[] = []
  for (let i = 0; i < count; i++) {
    const cr4 = rng.pick([1, 1, 1, 3, 2, 0])
    const iopl = rng.pick([0, 0, 1, 2, 3, 3])
    // VIF and VIP both set at IOPL 3: the SDM (vol. 3A 2.3) ignores VIP there, Bochs faults; not compared.
    let virtual = rng.pick([0, VIF, VIF, VIP, VIF | VIP])
    if (iopl === 3 && virtual === (VIF | VIP)) virtual = VIF
    const body = Array.from({ length: 4 + rng.int(8) }, (_, n) => instruction(rng, iopl, n)).join('\n')
    const setup = `  mov dword [0x22 * 4], 0x07000100${rng.int(4) === 0 ? '\n  REDIRECT_OFF 0x22' : ''}`
    out.push(
      v86(
        `random VME program ${i} (CR4 ${cr4}, IOPL ${iopl}, VIF/VIP ${virtual >>> 19})`,
        cr4,
        IF | (iopl << 12) | virtual,
        `  xor si, si\n${body}\n  pushf\n  pop bx\n  add si, bx\n  int3\n${INT22_HANDLER}`,
        setup,
      ),
    )
  }
  return out
}

/** One random ring-3 instruction for the PVI programs (32-bit code). */
function ring3Instruction(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return '  cli'
    case 1:
      return '  sti'
    case 2:
      return '  pushfd\n  pop ebx\n  add esi, ebx\n  rol esi, 1'
    case 3: {
      // Arithmetic flags, IF, IOPL, NT, AC, VIF, VIP, ID; never TF or DF (see flagsImage).
      const image = (rng.next() & 0x3c7ad5) | 2
      return `  push dword 0x${image.toString(16)}\n  popfd`
    }
    default:
      return `  mov eax, 0x${rng.next().toString(16)}`
  }
}

/** `count` random ring-3 programs under random CR4.PVI/VME, IOPL, VIF and VIP (entered by IRETD from ring 0). */
export function randomPviScenarios(seed: number, count: number): Scenario[] {
  const rng = new Rng(seed)
  const out: Scenario[] = []
  for (let i = 0; i < count; i++) {
    const cr4 = rng.pick([2, 2, 2, 3, 1, 0])
    const iopl = rng.pick([0, 0, 1, 2, 3])
    let virtual = rng.pick([0, VIF, VIF, VIP, VIF | VIP])
    if (iopl === 3 && virtual === (VIF | VIP)) virtual = VIF
    const body = Array.from({ length: 4 + rng.int(8) }, () => ring3Instruction(rng)).join('\n')
    const name = `random PVI program ${i} (CR4 ${cr4}, IOPL ${iopl}, VIF/VIP ${virtual >>> 19})`
    out.push({
      name,
      asm: `; ${name}
  CASE_BEGIN
  VME_SETUP ${cr4}, 0x2088
  TO_RING3 .r3, 0x${(IF | (iopl << 12) | virtual | 2).toString(16)}
.r3:
  xor esi, esi
${body}
  pushfd
  pop ebx
  add esi, ebx
  int3
  CASE_END`,
    })
  }
  return out
}
