// Differential test of the resume flag and of debug breakpoints in REP string instructions against Bochs (Intel
// SDM vol. 3A 17.3.1.1–17.3.1.2), and of DR7.GD and the TSS T flag (vol. 3B 17.2.3–17.2.4): QEMU's TCG pushes no RF
// in fault images, Bochs does. The same firmware and cases
// run in Bochs and in each Boxwood engine; registers, fault records and the data area must match.
import { describe, expect, it } from 'vitest'
import type { CaseDump } from '../qemu-diff/dumps'
import { compareWithBochs, dataDword } from './compare'
import { DEBUG_PRELUDE, DEBUG_SCENARIOS } from './debug-scenarios'
import { haveBochs } from './run-bochs'

const RF = 0x10000

describe.skipIf(!haveBochs())('resume flag and REP breakpoints vs Bochs', () => {
  it(`${DEBUG_SCENARIOS.length} scenarios leave the same state in Bochs and in every engine`, async () => {
    const oracle = await compareWithBochs(DEBUG_PRELUDE, DEBUG_SCENARIOS, 'dbg_scenario')
    const byName = (prefix: string): CaseDump => oracle[DEBUG_SCENARIOS.findIndex((s) => s.name.startsWith(prefix))]!
    const image = (prefix: string) => dataDword(byName(prefix), 12) & RF
    /** The #DB hits of a case: count, then [return EIP, ECX, RF of the image] per hit. */
    const hits = (prefix: string) => {
      const d = byName(prefix)
      const n = Math.min(dataDword(d, 0), 4)
      return Array.from({ length: n }, (_, k) => [
        dataDword(d, 16 + k * 12),
        dataDword(d, 20 + k * 12),
        dataDword(d, 24 + k * 12) & RF,
      ])
    }
    // The oracle really sets RF in fault images and not in trap images.
    for (const f of ['#DE', '#UD', '#GP', '#BR', '#NP', '#PF']) expect(image(f), f).toBe(RF)
    expect(image('INT3')).toBe(0)
    expect(image('INTO')).toBe(0)
    // An instruction breakpoint on a faulting instruction fires once; the fixed fault resumes.
    for (const f of ['an instruction breakpoint on MOV DS', 'an instruction breakpoint on a load']) {
      expect(dataDword(byName(f), 0), f).toBe(1)
      expect(dataDword(byName(f), 4), f).toBe(1)
      expect(hits(f)[0]![2], f).toBe(0)
      expect(image(f), f).toBe(RF)
    }
    expect(byName('an instruction breakpoint on a load').esi).toBe('12345678')
    expect(hits('IRETD with RF set')).toHaveLength(1)
    expect(dataDword(byName('IRETD with RF set'), 8)).toBe(2)
    // REP: one trap per hit iteration, at the REP while iterations remain (the images' RF is masked, see
    // debug-scenarios.ts), after it when the last iteration hit.
    expect(hits('REP STOSD over a write breakpoint').map(([, ecx]) => ecx)).toEqual([5])
    expect(hits('REP STOSD whose last').map(([, ecx]) => ecx)).toEqual([0])
    expect(hits('REP MOVSB').map(([, ecx]) => ecx)).toEqual([6, 3])
    expect(hits('REPE CMPSB').map(([, ecx]) => ecx)).toEqual([4])
    expect(byName('REPE CMPSB').ecx).toBe('1')
    // TF single-steps every iteration: traps after iterations 1 and 2 at the REP, then after it, the PUSHFD and
    // the AND (the POPFD that clears TF still traps: six in all).
    expect(dataDword(byName('REP STOSB with TF'), 0)).toBe(6)
    expect(hits('REP STOSB with TF').map(([, ecx]) => ecx)).toEqual([2, 1, 0, 0])
    // DR6 shows matching breakpoints that are not enabled once an enabled one hits.
    expect(dataDword(byName('a data breakpoint hit also'), 8)).toBe(0xa)
    expect(dataDword(byName('an I/O breakpoint hit also'), 8)).toBe(0xc)
    expect(dataDword(byName('an instruction breakpoint hit also'), 8)).toBe(7)
    // DR7.GD: one #DB, a fault on the MOV (return EIP = the MOV, no RF), DR6.BD, GD clear in the handler; the MOV
    // then runs; a MOV to DR0 has not written DR0 when the #DB arrives.
    const gd = byName('DR7.GD: MOV from DR0')
    expect([0, 8, 20, 16].map((o) => dataDword(gd, o))).toEqual([1, 0xffff2ff0, 0x400, dataDword(gd, 32)])
    expect(image('DR7.GD: MOV from DR0')).toBe(0)
    expect([gd.esi, gd.edi]).toEqual(['1234', '400'])
    const gdWrite = byName('DR7.GD: MOV to DR0')
    expect([dataDword(gdWrite, 0), dataDword(gdWrite, 28), gdWrite.ebx]).toEqual([1, 0x1111, '2222'])
    // The T flag: #DB in the new task (TR 0x70) before its first instruction, with DR6.BT.
    const bt = byName('a JMP to a TSS whose T flag')
    expect([0, 8, 16, 24].map((o) => dataDword(bt, o))).toEqual([1, 0xffff8ff0, dataDword(bt, 32), 0x70])
    expect(bt.esi).toBe('7272')
    const outs = hits('REP OUTSB')
    expect(outs.map(([, ecx]) => ecx)).toEqual([2, 1, 0])
    // The first two return to the REP itself, the last to the instruction after it (REP OUTSB is 2 bytes).
    expect([outs[1]![0]! - outs[0]![0]!, outs[2]![0]! - outs[0]![0]!]).toEqual([0, 2])
  }, 60_000)
})
