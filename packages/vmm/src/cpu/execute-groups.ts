// One-byte opcode groups and multi-step instructions split out of execute.ts: group 3 (TEST/NOT/NEG/MUL/DIV),
// groups 4/5 (INC/DEC/CALL/JMP/PUSH), ENTER, and far-pointer loads (Intel SDM vol. 2).
import * as constants from './constants'
import type { Cpu } from './cpu'
import * as aluModule from './alu'
import { loadSeg } from './descriptors'
import { farCall, farJump } from './far-transfer'
import { eaSeg } from './operands'
import * as operands from './operands'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { effectiveAddress, readMem, readRm, setReg, writeMem, writeRm } = operands
const { alu, divAcc, incDec, mulAcc } = aluModule
const { CS, SS } = constants

function opSize(c: Cpu): number {
  return c.opSize32 ? 4 : 2
}

/** LOCK with a register destination is #UD. */
function lockCheck(c: Cpu, modrm: number): void {
  if (c.prefixLock && modrm >= 0xc0) c.ud()
}

/** LES/LDS/LSS/LFS/LGS: loads offset and selector from memory. */
export function loadFarPointer(c: Cpu, modrm: number, seg: number): void {
  const off = effectiveAddress(c, modrm)
  const s = eaSeg
  const size = opSize(c)
  const v = readMem(c, size, s, off)
  const sel = c.read16(s, (off + size) | 0)
  loadSeg(c, seg, sel)
  setReg(c, size, (modrm >>> 3) & 7, v)
  if (seg === SS) c.shadow = true
}

export function group3(c: Cpu, size: number): void {
  const modrm = c.fetch8()
  const kind = (modrm >>> 3) & 7
  if (kind === 2 || kind === 3) lockCheck(c, modrm)
  else if (c.prefixLock) c.ud()
  const a = readRm(c, modrm, size)
  switch (kind) {
    case 0:
    case 1: {
      const imm = size === 1 ? c.fetch8() : size === 4 ? c.fetch32() : c.fetch16()
      alu(c, 4, a, imm, size)
      return
    }
    case 2:
      writeRm(c, modrm, size, ~a)
      return
    case 3:
      writeRm(c, modrm, size, alu(c, 5, 0, a, size))
      return
    case 4:
      mulAcc(c, a, size, false)
      return
    case 5:
      mulAcc(c, a, size, true)
      return
    case 6:
      divAcc(c, a, size, false)
      return
    default:
      divAcc(c, a, size, true)
  }
}

export function group45(c: Cpu, op: number): void {
  const modrm = c.fetch8()
  const kind = (modrm >>> 3) & 7
  if (kind <= 1) lockCheck(c, modrm)
  else if (c.prefixLock) c.ud()
  if (op === 0xfe) {
    if (kind > 1) c.ud()
    writeRm(c, modrm, 1, incDec(c, readRm(c, modrm, 1), 1, kind === 1))
    return
  }
  const size = opSize(c)
  switch (kind) {
    case 0:
    case 1:
      writeRm(c, modrm, size, incDec(c, readRm(c, modrm, size), size, kind === 1))
      return
    case 2: {
      const t = readRm(c, modrm, size)
      if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
      c.push(c.eip)
      c.eip = t
      return
    }
    case 3:
    case 5: {
      if (modrm >= 0xc0) c.ud()
      const off = effectiveAddress(c, modrm)
      const s = eaSeg
      const target = readMem(c, size, s, off)
      const sel = c.read16(s, (off + size) | 0)
      if (kind === 3) farCall(c, sel, target)
      else farJump(c, sel, target)
      return
    }
    case 4: {
      const t = readRm(c, modrm, size)
      if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
      c.eip = t
      return
    }
    case 6:
      c.push(readRm(c, modrm, size))
      return
    default:
      c.ud()
  }
}

/** ENTER imm16, imm8 (nesting level mod 32). */
export function enter(c: Cpu): void {
  const frameSize = c.fetch16()
  const level = c.fetch8() & 31
  const size = opSize(c)
  const regs = c.regs
  const sp = c.stack32 ? regs[4]! : regs[4]! & 0xffff
  const bp = c.stack32 ? regs[5]! : regs[5]! & 0xffff
  const mask = c.stack32 ? -1 : 0xffff
  let p = (sp - size) & mask
  writeMem(c, size, SS, p, regs[5]!)
  const frameTemp = p
  let b = bp
  for (let i = 1; i < level; i++) {
    b = (b - size) & mask
    const v = readMem(c, size, SS, b)
    p = (p - size) & mask
    writeMem(c, size, SS, p, v)
  }
  if (level > 0) {
    p = (p - size) & mask
    writeMem(c, size, SS, p, frameTemp)
  }
  const nsp = (p - frameSize) & mask
  // The final stack pointer must be writable too (SDM: #SS if ESP - size would be out of limit).
  c.segWrite(SS, nsp, 1)
  setReg(c, size, 5, frameTemp)
  regs[4] = c.stack32 ? nsp : (regs[4]! & ~0xffff) | nsp
}
