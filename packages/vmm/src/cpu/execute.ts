// The instruction decoder and executor for one-byte opcodes (Intel SDM vol. 2 table A-2): prefixes, then a
// dense switch. Two-byte opcodes live in execute-0f.ts, string and I/O instructions in string-io.ts.
import * as constants from './constants'
import type { Cpu } from './cpu'
import * as aluModule from './alu'
import { loadSeg } from './descriptors'
import { execute0F } from './execute-0f'
import { fpuOperandLinear } from './fpu-host'
import { enter, group3, group45, loadFarPointer } from './execute-groups'
import { farCall, farJump, farReturn, interruptReturn } from './far-transfer'
import * as flags from './flags'
import { deliverInterrupt } from './interrupts'
import { eaSeg, rmIsMem, rmOff, rmSeg } from './operands'
import * as operands from './operands'
import { checkIoPermission, stringInstruction } from './string-io'
import { popFlags, pushFlags, setInterruptFlag, v86SoftwareInterrupt } from './virtual-interrupts'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { decodeRmForWrite, effectiveAddress, getReg, getReg8, readMem, readRm, setReg, setReg8, writeMem, writeRm } =
  operands
const { aad, aam, alu, asciiAdjust, decimalAdjust, imulTrunc, incDec, shift } = aluModule
const { condition, lazyCF } = flags
const { AF, CF, CR0_EM, CR0_MP, CR0_TS, CS, DF, DS, ES, FS, GS, NM, OF, OF_VECTOR, PF, SF, SS, ZF, BR } = constants

/** One-byte opcodes that accept LOCK (with a memory destination). */
const LOCKABLE = new Uint8Array(256)
for (const op of [0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31]) LOCKABLE[op] = 1
for (const op of [0x80, 0x81, 0x82, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff, 0x0f]) LOCKABLE[op] = 1

/** Decodes prefixes and executes one instruction at CS:EIP. */
export function executeInstruction(c: Cpu): void {
  let op = c.fetch8()
  c.opSize32 = c.code32
  c.addrSize32 = c.code32
  c.segOverride = -1
  c.prefixRep = 0
  c.prefixLock = false
  let count = 0
  for (;;) {
    switch (op) {
      case 0x26:
        c.segOverride = ES
        break
      case 0x2e:
        c.segOverride = CS
        break
      case 0x36:
        c.segOverride = SS
        break
      case 0x3e:
        c.segOverride = DS
        break
      case 0x64:
        c.segOverride = FS
        break
      case 0x65:
        c.segOverride = GS
        break
      case 0x66:
        c.opSize32 = !c.code32
        break
      case 0x67:
        c.addrSize32 = !c.code32
        break
      case 0xf0:
        c.prefixLock = true
        break
      case 0xf2:
      case 0xf3:
        c.prefixRep = op
        break
      default:
        if (c.prefixLock && LOCKABLE[op] === 0) c.ud()
        execute(c, op)
        return
    }
    if (++count >= 14) c.gp(0)
    op = c.fetch8()
  }
}

/** LOCK with a register destination is #UD. */
function lockCheck(c: Cpu, modrm: number): void {
  if (c.prefixLock && modrm >= 0xc0) c.ud()
}

function opSize(c: Cpu): number {
  return c.opSize32 ? 4 : 2
}

/** Jumps to EIP + rel (16-bit operand size truncates EIP). */
function jumpRel(c: Cpu, rel: number): void {
  const t = (c.eip + rel) | 0
  c.eip = c.opSize32 ? t : t & 0xffff
  if (c.eip >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
}

/** CX or ECX per address size. */
function getCount(c: Cpu): number {
  return c.addrSize32 ? c.regs[1]! : c.regs[1]! & 0xffff
}

function decCount(c: Cpu): number {
  if (c.addrSize32) return (c.regs[1] = (c.regs[1]! - 1) | 0)
  const v = (c.regs[1]! - 1) & 0xffff
  c.regs[1] = (c.regs[1]! & ~0xffff) | v
  return v
}

/** x87 escape (D8–DF) and WAIT: #NM per CR0.EM/TS, then the FPU module. */
function fpuEscape(c: Cpu, op: number): void {
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault(NM, -1)
  const modrm = c.fetch8()
  let linear = 0
  let off = 0
  if (modrm < 0xc0) {
    off = effectiveAddress(c, modrm)
    linear = fpuOperandLinear(c, eaSeg, off, op, modrm)
    c.fpuHost.dataSelector = c.segSel[eaSeg]!
  }
  const fpu = c.fpu
  if (fpu === null) c.ud()
  fpu.execute(op, modrm, linear, c.fpuHost, c.startEip, off)
}

/**
 * Executes opcode `op` (prefixes already consumed): the ALU forms and opcodes below 80h (with the string
 * instructions) here, the rest in `execute80` → `executeC0` → `executeE0`, each taking what the one before does not.
 * One switch over every opcode was deoptimized by V8 each time an opcode or path first ran in optimized code and
 * then recompiled whole (~30 ms, a dozen times per Linux boot); split, only the part holding the new path is.
 */
function execute(c: Cpu, op: number): void {
  const regs = c.regs
  if (op < 0x40 && (op & 7) < 6) {
    const kind = op >>> 3
    switch (op & 7) {
      case 0: {
        const modrm = c.fetch8()
        lockCheck(c, modrm)
        const a = readRm(c, modrm, 1)
        const r = alu(c, kind, a, getReg8(c, (modrm >>> 3) & 7), 1)
        if (kind !== 7) writeRm(c, modrm, 1, r)
        return
      }
      case 1: {
        const modrm = c.fetch8()
        lockCheck(c, modrm)
        const size = opSize(c)
        const a = readRm(c, modrm, size)
        const r = alu(c, kind, a, getReg(c, size, (modrm >>> 3) & 7), size)
        if (kind !== 7) writeRm(c, modrm, size, r)
        return
      }
      case 2: {
        const modrm = c.fetch8()
        const b = readRm(c, modrm, 1)
        const reg = (modrm >>> 3) & 7
        const r = alu(c, kind, getReg8(c, reg), b, 1)
        if (kind !== 7) setReg8(c, reg, r)
        return
      }
      case 3: {
        const modrm = c.fetch8()
        const size = opSize(c)
        const b = readRm(c, modrm, size)
        const reg = (modrm >>> 3) & 7
        const r = alu(c, kind, getReg(c, size, reg), b, size)
        if (kind !== 7) setReg(c, size, reg, r)
        return
      }
      case 4: {
        const r = alu(c, kind, regs[0]! & 0xff, c.fetch8(), 1)
        if (kind !== 7) setReg8(c, 0, r)
        return
      }
      default: {
        const size = opSize(c)
        const imm = size === 4 ? c.fetch32() : c.fetch16()
        const r = alu(c, kind, getReg(c, size, 0), imm, size)
        if (kind !== 7) setReg(c, size, 0, r)
        return
      }
    }
  }
  switch (op) {
    case 0x06:
    case 0x0e:
    case 0x16:
    case 0x1e:
      c.push(c.segSel[op >>> 3]!)
      return
    case 0x07:
    case 0x17:
    case 0x1f: {
      const v = c.opSize32 ? c.peek32(0) : c.peek16(0)
      loadSeg(c, op >>> 3, v & 0xffff)
      c.adjustSp(opSize(c))
      if (op === 0x17) {
        c.shadow = true
        c.breakChunk = true
      }
      return
    }
    case 0x0f:
      execute0F(c)
      return
    case 0x27:
      decimalAdjust(c, false)
      return
    case 0x2f:
      decimalAdjust(c, true)
      return
    case 0x37:
      asciiAdjust(c, false)
      return
    case 0x3f:
      asciiAdjust(c, true)
      return
    case 0x40:
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44:
    case 0x45:
    case 0x46:
    case 0x47: {
      const size = opSize(c)
      setReg(c, size, op & 7, incDec(c, getReg(c, size, op & 7), size, false))
      return
    }
    case 0x48:
    case 0x49:
    case 0x4a:
    case 0x4b:
    case 0x4c:
    case 0x4d:
    case 0x4e:
    case 0x4f: {
      const size = opSize(c)
      setReg(c, size, op & 7, incDec(c, getReg(c, size, op & 7), size, true))
      return
    }
    case 0x50:
    case 0x51:
    case 0x52:
    case 0x53:
    case 0x54:
    case 0x55:
    case 0x56:
    case 0x57:
      c.push(regs[op & 7]!)
      return
    case 0x58:
    case 0x59:
    case 0x5a:
    case 0x5b:
    case 0x5c:
    case 0x5d:
    case 0x5e:
    case 0x5f: {
      const v = c.pop()
      setReg(c, opSize(c), op & 7, v)
      return
    }
    case 0x60: {
      const sp = regs[4]!
      for (let r = 0; r < 8; r++) c.push(r === 4 ? sp : regs[r]!)
      return
    }
    case 0x61: {
      const size = opSize(c)
      const vals: number[] = []
      for (let i = 0; i < 8; i++) vals.push(size === 4 ? c.peek32(i * 4) : c.peek16(i * 2))
      for (let r = 7; r >= 0; r--) if (r !== 4) setReg(c, size, r, vals[7 - r]!)
      c.adjustSp(size * 8)
      return
    }
    case 0x62: {
      const modrm = c.fetch8()
      if (modrm >= 0xc0) c.ud()
      const off = effectiveAddress(c, modrm)
      const size = opSize(c)
      const seg = eaSeg
      const idx = getReg(c, size, (modrm >>> 3) & 7)
      const sx = (v: number) => (size === 4 ? v | 0 : (v << 16) >> 16)
      const lo = sx(readMem(c, size, seg, off))
      const hi = sx(readMem(c, size, seg, (off + size) | 0))
      if (sx(idx) < lo || sx(idx) > hi) c.fault(BR, -1)
      return
    }
    case 0x63: {
      if (!c.protectedMode || c.v86) c.ud()
      const modrm = c.fetch8()
      const dst = readRm(c, modrm, 2)
      const src = getReg(c, 2, (modrm >>> 3) & 7)
      c.materializeFlags()
      if ((dst & 3) < (src & 3)) {
        writeRm(c, modrm, 2, (dst & ~3) | (src & 3))
        c.flags |= ZF
      } else c.flags &= ~ZF
      return
    }
    case 0x68:
      c.push(c.opSize32 ? c.fetch32() : c.fetch16())
      return
    case 0x6a:
      c.push((c.fetch8() << 24) >> 24)
      return
    case 0x69:
    case 0x6b: {
      const modrm = c.fetch8()
      const size = opSize(c)
      const a = readRm(c, modrm, size)
      const imm = op === 0x6b ? (c.fetch8() << 24) >> 24 : size === 4 ? c.fetch32() : c.fetch16()
      setReg(c, size, (modrm >>> 3) & 7, imrm(c, a, imm, size))
      return
    }
    case 0x6c:
    case 0x6d:
    case 0x6e:
    case 0x6f:
    case 0xa4:
    case 0xa5:
    case 0xa6:
    case 0xa7:
    case 0xaa:
    case 0xab:
    case 0xac:
    case 0xad:
    case 0xae:
    case 0xaf:
      stringInstruction(c, op)
      return
    case 0x70:
    case 0x71:
    case 0x72:
    case 0x73:
    case 0x74:
    case 0x75:
    case 0x76:
    case 0x77:
    case 0x78:
    case 0x79:
    case 0x7a:
    case 0x7b:
    case 0x7c:
    case 0x7d:
    case 0x7e:
    case 0x7f: {
      const rel = (c.fetch8() << 24) >> 24
      if (condition(c, op & 15)) jumpRel(c, rel)
      return
    }
    default:
      execute80(c, op)
  }
}

/** Opcodes 80h–BFh except the string instructions (in `execute`); the rest go on to `executeC0`. */
function execute80(c: Cpu, op: number): void {
  const regs = c.regs
  switch (op) {
    case 0x80:
    case 0x82:
    case 0x81:
    case 0x83: {
      const modrm = c.fetch8()
      const kind = (modrm >>> 3) & 7
      if (kind !== 7) lockCheck(c, modrm)
      else if (c.prefixLock) c.ud()
      const size = op === 0x80 || op === 0x82 ? 1 : opSize(c)
      const a = readRm(c, modrm, size)
      let imm: number
      if (op === 0x81) imm = size === 4 ? c.fetch32() : c.fetch16()
      else imm = op === 0x83 ? ((c.fetch8() << 24) >> 24) & (size === 4 ? -1 : 0xffff) : c.fetch8()
      const r = alu(c, kind, a, imm, size)
      if (kind !== 7) writeRm(c, modrm, size, r)
      return
    }
    case 0x84:
    case 0x85: {
      const modrm = c.fetch8()
      const size = op === 0x84 ? 1 : opSize(c)
      alu(c, 4, readRm(c, modrm, size), getReg(c, size, (modrm >>> 3) & 7), size)
      return
    }
    case 0x86:
    case 0x87: {
      const modrm = c.fetch8()
      const size = op === 0x86 ? 1 : opSize(c)
      const a = readRm(c, modrm, size)
      const reg = (modrm >>> 3) & 7
      const b = getReg(c, size, reg)
      writeRm(c, modrm, size, b)
      setReg(c, size, reg, a)
      return
    }
    case 0x88:
    case 0x89: {
      const modrm = c.fetch8()
      const size = op === 0x88 ? 1 : opSize(c)
      decodeRmForWrite(c, modrm)
      writeRm(c, modrm, size, getReg(c, size, (modrm >>> 3) & 7))
      return
    }
    case 0x8a:
    case 0x8b: {
      const modrm = c.fetch8()
      const size = op === 0x8a ? 1 : opSize(c)
      setReg(c, size, (modrm >>> 3) & 7, readRm(c, modrm, size))
      return
    }
    case 0x8c: {
      const modrm = c.fetch8()
      const sreg = (modrm >>> 3) & 7
      if (sreg > 5) c.ud()
      decodeRmForWrite(c, modrm)
      const v = c.segSel[sreg]!
      if (rmIsMem) writeMem(c, 2, rmSeg, rmOff, v)
      else setReg(c, opSize(c), modrm & 7, v)
      return
    }
    case 0x8d: {
      const modrm = c.fetch8()
      if (modrm >= 0xc0) c.ud()
      const off = effectiveAddress(c, modrm)
      setReg(c, opSize(c), (modrm >>> 3) & 7, off)
      return
    }
    case 0x8e: {
      const modrm = c.fetch8()
      const sreg = (modrm >>> 3) & 7
      if (sreg === CS || sreg > 5) c.ud()
      const v = readRm(c, modrm, 2)
      loadSeg(c, sreg, v)
      if (sreg === SS) {
        c.shadow = true
        c.breakChunk = true
      }
      return
    }
    case 0x8f: {
      const modrm = c.fetch8()
      if (((modrm >>> 3) & 7) !== 0) c.ud()
      const size = opSize(c)
      const v = size === 4 ? c.peek32(0) : c.peek16(0)
      // The destination address is computed with ESP already incremented.
      c.adjustSp(size)
      decodeRmForWrite(c, modrm)
      writeRm(c, modrm, size, v)
      return
    }
    case 0x90:
      if (c.prefixRep === 0xf3) return // PAUSE
      return
    case 0x91:
    case 0x92:
    case 0x93:
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97: {
      const size = opSize(c)
      const a = getReg(c, size, 0)
      setReg(c, size, 0, getReg(c, size, op & 7))
      setReg(c, size, op & 7, a)
      return
    }
    case 0x98:
      if (c.opSize32) regs[0] = (regs[0]! << 16) >> 16
      else regs[0] = (regs[0]! & ~0xffff) | (((regs[0]! << 24) >> 24) & 0xffff)
      return
    case 0x99:
      if (c.opSize32) regs[2] = regs[0]! >> 31
      else regs[2] = (regs[2]! & ~0xffff) | (((regs[0]! << 16) >> 31) & 0xffff)
      return
    case 0x9a: {
      const off = c.opSize32 ? c.fetch32() : c.fetch16()
      const sel = c.fetch16()
      farCall(c, sel, off)
      return
    }
    case 0x9b:
      if ((c.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) c.fault(NM, -1)
      c.fpu?.wait(c.fpuHost)
      return
    case 0x9c:
      pushFlags(c)
      return
    case 0x9d:
      popFlags(c)
      return
    case 0x9e: {
      c.materializeFlags()
      const mask = SF | ZF | AF | PF | CF
      c.flags = (c.flags & ~mask) | ((regs[0]! >>> 8) & mask)
      return
    }
    case 0x9f:
      setReg8(c, 4, (c.getEflags() & 0xd7) | 2)
      return
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3: {
      const off = c.addrSize32 ? c.fetch32() : c.fetch16()
      const seg = c.segOverride >= 0 ? c.segOverride : DS
      const size = (op & 1) === 0 ? 1 : opSize(c)
      if (op < 0xa2) setReg(c, size, 0, readMem(c, size, seg, off))
      else writeMem(c, size, seg, off, getReg(c, size, 0))
      return
    }
    case 0xa8:
      alu(c, 4, regs[0]! & 0xff, c.fetch8(), 1)
      return
    case 0xa9: {
      const size = opSize(c)
      alu(c, 4, getReg(c, size, 0), size === 4 ? c.fetch32() : c.fetch16(), size)
      return
    }
    case 0xb0:
    case 0xb1:
    case 0xb2:
    case 0xb3:
    case 0xb4:
    case 0xb5:
    case 0xb6:
    case 0xb7:
      setReg8(c, op & 7, c.fetch8())
      return
    case 0xb8:
    case 0xb9:
    case 0xba:
    case 0xbb:
    case 0xbc:
    case 0xbd:
    case 0xbe:
    case 0xbf:
      if (c.opSize32) regs[op & 7] = c.fetch32()
      else setReg(c, 2, op & 7, c.fetch16())
      return
    default:
      executeC0(c, op)
  }
}

/** Opcodes C0h–DFh; the rest go on to `executeE0`. */
function executeC0(c: Cpu, op: number): void {
  const regs = c.regs
  switch (op) {
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const modrm = c.fetch8()
      const size = (op & 1) === 0 ? 1 : opSize(c)
      const a = readRm(c, modrm, size)
      const count = op <= 0xc1 ? c.fetch8() : op <= 0xd1 ? 1 : regs[1]! & 0xff
      const r = shift(c, (modrm >>> 3) & 7, a, count, size)
      if ((count & 31) !== 0) writeRm(c, modrm, size, r)
      return
    }
    case 0xc2:
    case 0xc3: {
      const imm = op === 0xc2 ? c.fetch16() : 0
      const v = c.opSize32 ? c.peek32(0) : c.peek16(0)
      if (v >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
      c.adjustSp(opSize(c) + imm)
      c.eip = v
      return
    }
    case 0xc4:
    case 0xc5: {
      const modrm = c.fetch8()
      if (modrm >= 0xc0) c.ud()
      loadFarPointer(c, modrm, op === 0xc4 ? ES : DS)
      return
    }
    case 0xc6:
    case 0xc7: {
      const modrm = c.fetch8()
      if (((modrm >>> 3) & 7) !== 0) c.ud()
      const size = op === 0xc6 ? 1 : opSize(c)
      decodeRmForWrite(c, modrm)
      const imm = size === 1 ? c.fetch8() : size === 4 ? c.fetch32() : c.fetch16()
      writeRm(c, modrm, size, imm)
      return
    }
    case 0xc8:
      enter(c)
      return
    case 0xc9: {
      // LEAVE: ESP = EBP, then POP EBP.
      const bp = c.stack32 ? regs[5]! : regs[5]! & 0xffff
      const v = c.opSize32 ? c.readLin32(c.segRead(SS, bp, 4)) : c.readLin16(c.segRead(SS, bp, 2))
      const nsp = bp + opSize(c)
      regs[4] = c.stack32 ? nsp | 0 : (regs[4]! & ~0xffff) | (nsp & 0xffff)
      setReg(c, opSize(c), 5, v)
      return
    }
    case 0xca:
    case 0xcb:
      farReturn(c, op === 0xca ? c.fetch16() : 0)
      return
    case 0xcc:
      softwareInterrupt(c, 3, true)
      return
    case 0xcd:
      softwareInterrupt(c, c.fetch8(), false)
      return
    case 0xce:
      if (c.getEflags() & OF) softwareInterrupt(c, OF_VECTOR, true)
      return
    case 0xcf:
      interruptReturn(c)
      c.breakChunk = true
      c.nmiBlocked = false
      return
    case 0xd4:
      aam(c, c.fetch8())
      return
    case 0xd5:
      aad(c, c.fetch8())
      return
    case 0xd6:
      setReg8(c, 0, lazyCF(c) !== 0 ? 0xff : 0)
      return
    case 0xd7: {
      const seg = c.segOverride >= 0 ? c.segOverride : DS
      const base = c.addrSize32 ? regs[3]! : regs[3]! & 0xffff
      const off = (base + (regs[0]! & 0xff)) | 0
      setReg8(c, 0, c.read8(seg, c.addrSize32 ? off : off & 0xffff))
      return
    }
    case 0xd8:
    case 0xd9:
    case 0xda:
    case 0xdb:
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf:
      fpuEscape(c, op)
      return
    default:
      executeE0(c, op)
  }
}

/** Opcodes E0h–FFh; anything else is undefined. */
function executeE0(c: Cpu, op: number): void {
  const regs = c.regs
  switch (op) {
    case 0xe0:
    case 0xe1:
    case 0xe2: {
      const rel = (c.fetch8() << 24) >> 24
      const n = decCount(c)
      let take = n !== 0
      if (op === 0xe0) take = take && (c.getEflags() & ZF) === 0
      else if (op === 0xe1) take = take && (c.getEflags() & ZF) !== 0
      if (take) jumpRel(c, rel)
      return
    }
    case 0xe3: {
      const rel = (c.fetch8() << 24) >> 24
      if (getCount(c) === 0) jumpRel(c, rel)
      return
    }
    case 0xe4:
    case 0xe5:
    case 0xec:
    case 0xed: {
      const port = op < 0xe8 ? c.fetch8() : regs[2]! & 0xffff
      const size = (op & 1) === 0 ? 1 : opSize(c)
      checkIoPermission(c, port, size)
      c.noteIoAccess(port, size)
      setReg(c, size, 0, c.io.ioRead(port, size as 1 | 2 | 4))
      // A device may have raised or lowered an interrupt line: sample interrupts before the next instruction.
      c.breakChunk = true
      return
    }
    case 0xe6:
    case 0xe7:
    case 0xee:
    case 0xef: {
      const port = op < 0xe8 ? c.fetch8() : regs[2]! & 0xffff
      const size = (op & 1) === 0 ? 1 : opSize(c)
      checkIoPermission(c, port, size)
      c.noteIoAccess(port, size)
      const v = getReg(c, size, 0)
      c.io.ioWrite(port, size === 4 ? v >>> 0 : v, size as 1 | 2 | 4)
      c.breakChunk = true
      return
    }
    case 0xe8: {
      const rel = c.opSize32 ? c.fetch32() : c.fetch16()
      const t = (c.eip + rel) | 0
      const target = c.opSize32 ? t : t & 0xffff
      if (target >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
      c.push(c.eip)
      c.eip = target
      return
    }
    case 0xe9: {
      const rel = c.opSize32 ? c.fetch32() : (c.fetch16() << 16) >> 16
      jumpRel(c, rel)
      return
    }
    case 0xea: {
      const off = c.opSize32 ? c.fetch32() : c.fetch16()
      const sel = c.fetch16()
      farJump(c, sel, off)
      return
    }
    case 0xeb:
      jumpRel(c, (c.fetch8() << 24) >> 24)
      return
    case 0xf1:
      c.dr[6] = c.dr[6]!
      deliverInterrupt(c, 1, 'exception', -1)
      return
    case 0xf4:
      if (c.cpl !== 0) c.gp(0)
      c.halted = true
      c.breakChunk = true
      return
    case 0xf5:
      c.materializeFlags()
      c.flags ^= CF
      return
    case 0xf6:
    case 0xf7:
      group3(c, op === 0xf6 ? 1 : opSize(c))
      return
    case 0xf8:
    case 0xf9:
      c.materializeFlags()
      c.flags = (c.flags & ~CF) | (op & 1)
      return
    case 0xfa:
    case 0xfb:
      setInterruptFlag(c, op === 0xfb)
      return
    case 0xfc:
      c.flags &= ~DF
      return
    case 0xfd:
      c.flags |= DF
      return
    case 0xfe:
    case 0xff:
      group45(c, op)
      return
    default:
      c.ud()
  }
}

function imrm(c: Cpu, a: number, imm: number, size: number): number {
  return imulTrunc(c, a, imm, size)
}

/**
 * INT n / INT3 / INTO. In V86 mode INT n follows table 20-2 (IOPL, CR4.VME and the TSS redirection bitmap);
 * INT3 and INTO always go through the IDT, where the gate's DPL is checked.
 */
function softwareInterrupt(c: Cpu, vector: number, isTrap: boolean): void {
  if (c.v86 && !isTrap && v86SoftwareInterrupt(c, vector)) return
  deliverInterrupt(c, vector, 'software', -1)
}
