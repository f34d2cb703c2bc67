// Two-byte opcodes (0F xx, Intel SDM vol. 2 table A-3): system instructions, Jcc/SETcc/CMOVcc, bit operations,
// double shifts, MOVZX/MOVSX, CMPXCHG/XADD/CMPXCHG8B, BSWAP, CPUID/RDTSC/MSRs, SYSENTER/SYSEXIT.
import * as constants from './constants'
import type { Cpu } from './cpu'
import * as aluModule from './alu'
import { desc, descAttr, loadSeg, readDescriptor, descBase, descLimit } from './descriptors'
import * as flags from './flags'
import { eaSeg, rmIsMem, rmOff, rmSeg } from './operands'
import * as operands from './operands'
import { loadFarPointer } from './execute-groups'
import { cpuid, moveFromCr, moveToCr, moveFromDr, moveToDr, readMsr, readPerformanceCounter, writeMsr } from './system'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { effectiveAddress, getReg, readMem, readRm, decodeRmForWrite, setReg, writeMem, writeRm } = operands
const { alu, doubleShift, imulTrunc, sizeMask } = aluModule
const { condition } = flags
const { AF, ATTR_P, CF, CR0_PE, CR0_TS, CS, DS, FS, GS, LDTR, OF, PF, SF, SS, TR, UD, ZF, CR0_EM, NM, VM, RF, IF } =
  constants

function opSize(c: Cpu): number {
  return c.opSize32 ? 4 : 2
}

function lockCheck(c: Cpu, modrm: number, lockable: boolean): void {
  if (c.prefixLock && (!lockable || modrm >= 0xc0)) c.ud()
}

/**
 * Executes a 0F-prefixed opcode: system instructions below A0h here, the rest in `execute0FA0` (split so that V8
 * recompiles only the half holding a path that first runs in optimized code, not the whole switch).
 */
export function execute0F(c: Cpu): void {
  const op = c.fetch8()
  const regs = c.regs
  if (c.prefixLock) {
    const ok = op === 0xab || op === 0xb3 || op === 0xbb || op === 0xba || op === 0xb0 || op === 0xb1
    if (!ok && op !== 0xc0 && op !== 0xc1 && op !== 0xc7) c.ud()
  }
  if (op >= 0x80 && op <= 0x8f) {
    const rel = c.opSize32 ? c.fetch32() : (c.fetch16() << 16) >> 16
    if (condition(c, op & 15)) {
      const t = (c.eip + rel) | 0
      c.eip = c.opSize32 ? t : t & 0xffff
      if (c.eip >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
    }
    return
  }
  if (op >= 0x90 && op <= 0x9f) {
    const modrm = c.fetch8()
    decodeRmForWrite(c, modrm)
    writeRm(c, modrm, 1, condition(c, op & 15) ? 1 : 0)
    return
  }
  if (op >= 0x40 && op <= 0x4f) {
    const modrm = c.fetch8()
    const size = opSize(c)
    const v = readRm(c, modrm, size)
    if (condition(c, op & 15)) setReg(c, size, (modrm >>> 3) & 7, v)
    else if (size === 4) regs[(modrm >>> 3) & 7] = regs[(modrm >>> 3) & 7]! // 32-bit: no change
    return
  }
  if (op >= 0xc8 && op <= 0xcf) {
    const v = regs[op & 7]!
    if (c.opSize32) regs[op & 7] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)
    else setReg(c, 2, op & 7, 0) // BSWAP r16 is undefined; real CPUs give 0
    return
  }
  switch (op) {
    case 0x00:
      group6(c)
      return
    case 0x01:
      group7(c)
      return
    case 0x02:
    case 0x03:
      larLsl(c, op === 0x03)
      return
    case 0x06:
      if (c.cpl !== 0) c.gp(0)
      c.cr0 &= ~CR0_TS
      return
    case 0x08:
    case 0x09:
      if (c.cpl !== 0) c.gp(0)
      return
    case 0x0b:
      c.ud()
    // falls through (ud never returns)
    case 0x18:
    case 0x19:
    case 0x1a:
    case 0x1b:
    case 0x1c:
    case 0x1d:
    case 0x1e:
    case 0x1f: {
      // Hint NOPs (P6): decode the ModRM operand, do nothing.
      const modrm = c.fetch8()
      if (modrm < 0xc0) effectiveAddress(c, modrm)
      return
    }
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23: {
      const modrm = c.fetch8()
      if (c.cpl !== 0) c.gp(0)
      const n = (modrm >>> 3) & 7
      const r = modrm & 7
      if (op === 0x20) regs[r] = moveFromCr(c, n)
      else if (op === 0x22) moveToCr(c, n, regs[r]!)
      else if (op === 0x21) regs[r] = moveFromDr(c, n)
      else moveToDr(c, n, regs[r]!)
      return
    }
    case 0x30:
      if (c.cpl !== 0) c.gp(0)
      writeMsr(c, regs[1]! >>> 0, regs[0]!, regs[2]!)
      return
    case 0x31: {
      if ((c.cr4 & 4) !== 0 && c.cpl !== 0 && c.protectedMode) c.gp(0)
      const t = c.tsc()
      regs[0] = (t % 4294967296) | 0
      regs[2] = Math.floor(t / 4294967296) | 0
      return
    }
    case 0x32: {
      if (c.cpl !== 0) c.gp(0)
      readMsr(c, regs[1]! >>> 0)
      return
    }
    case 0x33:
      readPerformanceCounter(c)
      return
    case 0x34:
      sysenter(c)
      return
    case 0x35:
      sysexit(c)
      return
    default:
      execute0FA0(c, op)
  }
}

/** 0F A0h and up (segment pushes, bit and double-shift instructions, CMPXCHG, MOVZX/SX, BSF/BSR, XADD, group 9). */
function execute0FA0(c: Cpu, op: number): void {
  const regs = c.regs
  switch (op) {
    case 0xa0:
    case 0xa8:
      c.push(c.segSel[op === 0xa0 ? FS : GS]!)
      return
    case 0xa1:
    case 0xa9: {
      const v = c.opSize32 ? c.peek32(0) : c.peek16(0)
      loadSeg(c, op === 0xa1 ? FS : GS, v & 0xffff)
      c.adjustSp(opSize(c))
      return
    }
    case 0xa2:
      cpuid(c)
      return
    case 0xa3:
    case 0xab:
    case 0xb3:
    case 0xbb: {
      const modrm = c.fetch8()
      lockCheck(c, modrm, op !== 0xa3)
      bitOp(c, modrm, op === 0xa3 ? 0 : op === 0xab ? 1 : op === 0xb3 ? 2 : 3, -1)
      return
    }
    case 0xba: {
      const modrm = c.fetch8()
      const kind = (modrm >>> 3) & 7
      if (kind < 4) c.ud()
      lockCheck(c, modrm, kind !== 4)
      bitOp(c, modrm, kind - 4, -2)
      return
    }
    case 0xa4:
    case 0xa5:
    case 0xac:
    case 0xad: {
      const modrm = c.fetch8()
      const size = opSize(c)
      const a = readRm(c, modrm, size)
      const count = (op & 1) === 0 ? c.fetch8() : regs[1]! & 0xff
      const b = getReg(c, size, (modrm >>> 3) & 7)
      const r = doubleShift(c, a, b, count, size, op < 0xa8)
      if ((count & 31) !== 0) writeRm(c, modrm, size, r)
      return
    }
    case 0xaf: {
      const modrm = c.fetch8()
      const size = opSize(c)
      const b = readRm(c, modrm, size)
      const reg = (modrm >>> 3) & 7
      setReg(c, size, reg, imulTrunc(c, getReg(c, size, reg), b, size))
      return
    }
    case 0xae: {
      const modrm = c.fetch8()
      const kind = (modrm >>> 3) & 7
      if (modrm >= 0xc0 || kind > 1 || c.fpu === null) c.ud()
      if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault((c.cr0 & CR0_EM) !== 0 ? UD : NM, -1)
      const off = effectiveAddress(c, modrm)
      const linear = c.segRead(eaSeg, off, 512)
      if ((linear & 15) !== 0) c.gp(0)
      if (kind === 0) c.fpu.fxsave(c.fpuHost, linear)
      else c.fpu.fxrstor(c.fpuHost, linear)
      return
    }
    case 0xb0:
    case 0xb1: {
      const modrm = c.fetch8()
      lockCheck(c, modrm, true)
      const size = op === 0xb0 ? 1 : opSize(c)
      const dst = readRm(c, modrm, size)
      const acc = getReg(c, size, 0)
      alu(c, 7, acc, dst, size)
      if (acc === dst) writeRm(c, modrm, size, getReg(c, size, (modrm >>> 3) & 7))
      else {
        writeRm(c, modrm, size, dst) // the destination is always written (locked cycle)
        setReg(c, size, 0, dst)
      }
      return
    }
    case 0xb2:
    case 0xb4:
    case 0xb5: {
      const modrm = c.fetch8()
      if (modrm >= 0xc0) c.ud()
      loadFarPointer(c, modrm, op === 0xb2 ? SS : op === 0xb4 ? FS : GS)
      return
    }
    case 0xb6:
    case 0xb7:
    case 0xbe:
    case 0xbf: {
      const modrm = c.fetch8()
      const srcSize = (op & 1) === 0 ? 1 : 2
      let v = readRm(c, modrm, srcSize)
      if (op >= 0xbe) v = srcSize === 1 ? (v << 24) >> 24 : (v << 16) >> 16
      setReg(c, opSize(c), (modrm >>> 3) & 7, v)
      return
    }
    case 0xbc:
    case 0xbd: {
      const modrm = c.fetch8()
      const size = opSize(c)
      const v = readRm(c, modrm, size) & sizeMask(size)
      c.materializeFlags()
      if (v === 0) {
        c.flags |= ZF
        return
      }
      c.flags &= ~ZF
      const idx = op === 0xbc ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v)
      setReg(c, size, (modrm >>> 3) & 7, idx)
      return
    }
    case 0xc0:
    case 0xc1: {
      const modrm = c.fetch8()
      lockCheck(c, modrm, true)
      const size = op === 0xc0 ? 1 : opSize(c)
      const dst = readRm(c, modrm, size)
      const reg = (modrm >>> 3) & 7
      const src = getReg(c, size, reg)
      const sum = alu(c, 0, dst, src, size)
      // A memory destination is stored first: a store that faults (a copy-on-write page) leaves the source
      // register as it was for the restart. A register destination is written last (XADD EAX, EAX gives the sum).
      if (modrm >= 0xc0) {
        setReg(c, size, reg, dst)
        writeRm(c, modrm, size, sum)
      } else {
        writeRm(c, modrm, size, sum)
        setReg(c, size, reg, dst)
      }
      return
    }
    case 0xc7: {
      const modrm = c.fetch8()
      if (((modrm >>> 3) & 7) === 6 && modrm >= 0xc0) {
        rdrand(c, modrm & 7)
        return
      }
      if (((modrm >>> 3) & 7) !== 1 || modrm >= 0xc0) c.ud()
      const off = effectiveAddress(c, modrm)
      const s = eaSeg
      const lo = c.read32(s, off)
      const hi = c.read32(s, (off + 4) | 0)
      c.materializeFlags()
      if (lo === regs[0] && hi === regs[2]) {
        c.write32(s, off, regs[3]!)
        c.write32(s, (off + 4) | 0, regs[1]!)
        c.flags |= ZF
      } else {
        c.write32(s, off, lo)
        c.write32(s, (off + 4) | 0, hi)
        regs[0] = lo
        regs[2] = hi
        c.flags &= ~ZF
      }
      return
    }
    default:
      c.ud()
  }
}

/**
 * RDRAND r16/r32 (0F C7 /6, register operand; Intel SDM vol. 2B RDRAND): a random value from the CPU's source,
 * CF = 1 (a value was available: always), OF/SF/ZF/AF/PF = 0. #UD without RDRAND (no source), with LOCK, or with an
 * F2/F3 prefix.
 */
function rdrand(c: Cpu, reg: number): void {
  if (c.readRandom === null || c.prefixLock || c.prefixRep !== 0) c.ud()
  const v = c.readRandom()
  setReg(c, opSize(c), reg, v | 0)
  c.materializeFlags()
  c.flags = (c.flags & ~(OF | SF | ZF | AF | PF)) | CF
}

/** BT/BTS/BTR/BTC (kind 0–3). `immForm` -2: bit offset from imm8; -1: from a register (may address beyond). */
function bitOp(c: Cpu, modrm: number, kind: number, immForm: number): void {
  const size = opSize(c)
  const bits = size * 8
  let bitIndex: number
  let value: number
  let off = 0
  let seg = DS
  if (modrm >= 0xc0) {
    value = getReg(c, size, modrm & 7)
    bitIndex = (immForm === -2 ? c.fetch8() : getReg(c, size, (modrm >>> 3) & 7)) & (bits - 1)
  } else {
    off = effectiveAddress(c, modrm)
    seg = eaSeg
    if (immForm === -2) bitIndex = c.fetch8() & (bits - 1)
    else {
      let b = getReg(c, size, (modrm >>> 3) & 7)
      if (size === 2) b = (b << 16) >> 16
      // Register bit offsets address memory beyond the operand (signed, in operand-size units).
      const unit = Math.floor(b / bits)
      off = c.addrSize32 ? (off + unit * size) | 0 : (off + unit * size) & 0xffff
      bitIndex = b & (bits - 1)
    }
    value = readMem(c, size, seg, off)
  }
  const mask = 1 << bitIndex
  const bit = (value & mask) !== 0 ? 1 : 0
  c.materializeFlags()
  c.flags = (c.flags & ~CF) | bit
  if (kind === 0) return
  const nv = kind === 1 ? value | mask : kind === 2 ? value & ~mask : value ^ mask
  if (modrm >= 0xc0) setReg(c, size, modrm & 7, nv)
  else writeMem(c, size, seg, off, nv)
}

/** 0F 00: SLDT STR LLDT LTR VERR VERW. */
function group6(c: Cpu): void {
  const modrm = c.fetch8()
  const kind = (modrm >>> 3) & 7
  if (!c.protectedMode || c.v86) c.ud()
  switch (kind) {
    case 0:
    case 1: {
      decodeRmForWrite(c, modrm)
      const v = c.segSel[kind === 0 ? LDTR : TR]!
      if (rmIsMem) writeMem(c, 2, rmSeg, rmOff, v)
      else setReg(c, opSize(c), modrm & 7, v)
      return
    }
    case 2:
    case 3: {
      if (c.cpl !== 0) c.gp(0)
      const sel = readRm(c, modrm, 2)
      if (kind === 2) {
        if ((sel & 0xfffc) === 0) {
          c.setSegRaw(LDTR, sel, 0, 0, 0)
          return
        }
        if ((sel & 4) !== 0) c.gp(sel & 0xfffc)
        readDescriptor(c, sel, 13)
        if ((descAttr(desc.hi) & 0x1f) !== 2) c.gp(sel & 0xfffc)
        if ((desc.hi & 0x8000) === 0) c.fault(11, sel & 0xfffc)
        c.setSegRaw(LDTR, sel, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAttr(desc.hi))
      } else {
        if ((sel & 0xfffc) === 0 || (sel & 4) !== 0) c.gp(sel & 0xfffc)
        readDescriptor(c, sel, 13)
        const type = descAttr(desc.hi) & 0x1f
        if (type !== 1 && type !== 9) c.gp(sel & 0xfffc)
        if ((desc.hi & 0x8000) === 0) c.fault(11, sel & 0xfffc)
        desc.hi |= 0x200
        c.writeSys8((desc.addr + 5) | 0, (desc.hi >>> 8) & 0xff)
        c.setSegRaw(TR, sel, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAttr(desc.hi))
      }
      return
    }
    case 4:
    case 5: {
      const sel = readRm(c, modrm, 2)
      c.materializeFlags()
      c.flags &= ~ZF
      if ((sel & 0xfffc) === 0) return
      if (!tryReadDescriptor(c, sel)) return
      const attr = descAttr(desc.hi)
      if ((attr & 0x10) === 0) return
      const dpl = (attr >>> 5) & 3
      const code = (attr & 8) !== 0
      const conforming = code && (attr & 4) !== 0
      if (!conforming && (dpl < c.cpl || dpl < (sel & 3))) return
      const ok = kind === 4 ? !code || (attr & 2) !== 0 : !code && (attr & 2) !== 0
      if (ok) c.flags |= ZF
      return
    }
    default:
      c.ud()
  }
}

/** Reads a descriptor for LAR/LSL/VERR/VERW: false (ZF=0) instead of faulting when out of the table. */
function tryReadDescriptor(c: Cpu, sel: number): boolean {
  const limit = (sel & 4) !== 0 ? c.segLimit[LDTR]! >>> 0 : c.gdtLimit
  if ((sel & 4) !== 0 && ((c.segAttr[LDTR]! & ATTR_P) === 0 || (c.segSel[LDTR]! & 0xfffc) === 0)) return false
  if ((sel & 0xfff8) + 7 > limit) return false
  readDescriptor(c, sel, 13)
  return true
}

/** LAR (lsl = false) / LSL. */
function larLsl(c: Cpu, lsl: boolean): void {
  if (!c.protectedMode || c.v86) c.ud()
  const modrm = c.fetch8()
  const sel = readRm(c, modrm, 2)
  c.materializeFlags()
  c.flags &= ~ZF
  if ((sel & 0xfffc) === 0 || !tryReadDescriptor(c, sel)) return
  const attr = descAttr(desc.hi)
  const dpl = (attr >>> 5) & 3
  if ((attr & 0x10) === 0) {
    const type = attr & 0xf
    const okLar = [1, 2, 3, 4, 5, 9, 0xb, 0xc]
    const okLsl = [1, 2, 3, 9, 0xb]
    if (!(lsl ? okLsl : okLar).includes(type)) return
    if (dpl < c.cpl || dpl < (sel & 3)) return
  } else {
    const conforming = (attr & 0xc) === 0xc
    if (!conforming && (dpl < c.cpl || dpl < (sel & 3))) return
  }
  c.flags |= ZF
  const size = opSize(c)
  if (lsl) setReg(c, size, (modrm >>> 3) & 7, descLimit(desc.lo, desc.hi))
  else setReg(c, size, (modrm >>> 3) & 7, desc.hi & 0x00f0ff00)
}

/** 0F 01: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG. */
function group7(c: Cpu): void {
  const modrm = c.fetch8()
  const kind = (modrm >>> 3) & 7
  if (modrm >= 0xc0 && kind !== 4 && kind !== 6) c.ud()
  switch (kind) {
    case 0:
    case 1: {
      const off = effectiveAddress(c, modrm)
      const s = eaSeg
      const base = kind === 0 ? c.gdtBase : c.idtBase
      c.write16(s, off, kind === 0 ? c.gdtLimit : c.idtLimit)
      c.write32(s, (off + 2) | 0, c.opSize32 ? base : base & 0xffffff)
      return
    }
    case 2:
    case 3: {
      if (c.cpl !== 0) c.gp(0)
      const off = effectiveAddress(c, modrm)
      const s = eaSeg
      const limit = c.read16(s, off)
      let base = c.read32(s, (off + 2) | 0)
      if (!c.opSize32) base &= 0xffffff
      if (kind === 2) {
        c.gdtLimit = limit
        c.gdtBase = base
      } else {
        c.idtLimit = limit
        c.idtBase = base
      }
      return
    }
    case 4: {
      decodeRmForWrite(c, modrm)
      if (rmIsMem) writeMem(c, 2, rmSeg, rmOff, c.cr0)
      else setReg(c, opSize(c), modrm & 7, c.cr0)
      return
    }
    case 6: {
      if (c.cpl !== 0) c.gp(0)
      const v = readRm(c, modrm, 2)
      // LMSW sets PE but cannot clear it; only MP, EM, TS besides.
      const nv = (c.cr0 & ~0xe) | (v & 0xe) | (c.cr0 & CR0_PE) | (v & 1)
      moveToCr(c, 0, nv)
      return
    }
    case 7: {
      if (c.cpl !== 0) c.gp(0)
      const off = effectiveAddress(c, modrm)
      const linear = (c.segBase[eaSeg]! + off) | 0
      c.invalidatePage(linear)
      return
    }
    default:
      c.ud()
  }
}

/** SYSENTER (SDM vol. 2): flat CPL 0 code/stack from the SYSENTER MSRs. */
function sysenter(c: Cpu): void {
  if (!c.protectedMode || (c.sysenterCs & 0xfffc) === 0) c.gp(0)
  c.materializeFlags()
  c.flags &= ~(VM | IF | RF)
  const cs = c.sysenterCs & 0xfffc
  c.setSegRaw(CS, cs, 0, -1, 0xc09b)
  c.setSegRaw(SS, (cs + 8) & 0xfffc, 0, -1, 0xc093)
  c.updateMode()
  c.setCpl(0)
  c.regs[4] = c.sysenterEsp
  c.eip = c.sysenterEip
}

/** SYSEXIT: flat CPL 3 code/stack at SYSENTER_CS + 16/24; EIP = EDX, ESP = ECX. */
function sysexit(c: Cpu): void {
  if (!c.protectedMode || c.v86 || c.cpl !== 0 || (c.sysenterCs & 0xfffc) === 0) c.gp(0)
  const cs = c.sysenterCs & 0xfffc
  c.setSegRaw(CS, (cs + 16) | 3, 0, -1, 0xc0fb)
  c.setSegRaw(SS, (cs + 24) | 3, 0, -1, 0xc0f3)
  c.setCpl(3)
  c.updateMode()
  c.regs[4] = c.regs[1]!
  c.eip = c.regs[2]!
}
