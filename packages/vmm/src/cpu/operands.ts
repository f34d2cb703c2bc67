// Operand access for the decoder: general registers by width, ModRM/SIB effective addresses (16- and 32-bit
// addressing, Intel SDM vol. 2 tables 2-1…2-3) and reads/writes of r/m operands.
import * as constants from './constants'
import type { Cpu } from './cpu'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { DS, SS } = constants

/** Segment of the last computed effective address (module scratch, avoids allocation). */
export let eaSeg = DS

/** Reads an 8-bit register (0–3: AL CL DL BL, 4–7: AH CH DH BH). */
export function getReg8(c: Cpu, r: number): number {
  return r < 4 ? c.regs[r]! & 0xff : (c.regs[r - 4]! >>> 8) & 0xff
}

export function setReg8(c: Cpu, r: number, v: number): void {
  if (r < 4) c.regs[r] = (c.regs[r]! & ~0xff) | (v & 0xff)
  else c.regs[r - 4] = (c.regs[r - 4]! & ~0xff00) | ((v & 0xff) << 8)
}

export function getReg16(c: Cpu, r: number): number {
  return c.regs[r]! & 0xffff
}

export function setReg16(c: Cpu, r: number, v: number): void {
  c.regs[r] = (c.regs[r]! & ~0xffff) | (v & 0xffff)
}

/** Reads a register of `size` bytes (1, 2, 4). */
export function getReg(c: Cpu, size: number, r: number): number {
  return size === 4 ? c.regs[r]! : size === 2 ? c.regs[r]! & 0xffff : getReg8(c, r)
}

export function setReg(c: Cpu, size: number, r: number, v: number): void {
  if (size === 4) c.regs[r] = v
  else if (size === 2) c.regs[r] = (c.regs[r]! & ~0xffff) | (v & 0xffff)
  else setReg8(c, r, v)
}

/** Computes the effective-address offset of a memory ModRM (mod != 3), setting `eaSeg`. */
export function effectiveAddress(c: Cpu, modrm: number): number {
  const mod = modrm >>> 6
  const rm = modrm & 7
  const regs = c.regs
  let seg = DS
  let off: number
  if (!c.addrSize32) {
    switch (rm) {
      case 0:
        off = regs[3]! + regs[6]!
        break
      case 1:
        off = regs[3]! + regs[7]!
        break
      case 2:
        off = regs[5]! + regs[6]!
        seg = SS
        break
      case 3:
        off = regs[5]! + regs[7]!
        seg = SS
        break
      case 4:
        off = regs[6]!
        break
      case 5:
        off = regs[7]!
        break
      case 6:
        if (mod === 0) off = c.fetch16()
        else {
          off = regs[5]!
          seg = SS
        }
        break
      default:
        off = regs[3]!
    }
    if (mod === 1) off += (c.fetch8() << 24) >> 24
    else if (mod === 2) off += c.fetch16()
    off &= 0xffff
  } else {
    if (rm === 4) {
      const sib = c.fetch8()
      const base = sib & 7
      const index = (sib >>> 3) & 7
      if (base === 5 && mod === 0) off = c.fetch32()
      else {
        off = regs[base]!
        if (base === 4 || base === 5) seg = SS
      }
      if (index !== 4) off = (off + (regs[index]! << (sib >>> 6))) | 0
    } else if (rm === 5 && mod === 0) {
      off = c.fetch32()
    } else {
      off = regs[rm]!
      if (rm === 5) seg = SS
    }
    if (mod === 1) off = (off + ((c.fetch8() << 24) >> 24)) | 0
    else if (mod === 2) off = (off + c.fetch32()) | 0
  }
  eaSeg = c.segOverride >= 0 ? c.segOverride : seg
  return off
}

/** Reads `size` bytes at seg:off. */
export function readMem(c: Cpu, size: number, seg: number, off: number): number {
  return size === 4 ? c.read32(seg, off) : size === 2 ? c.read16(seg, off) : c.read8(seg, off)
}

export function writeMem(c: Cpu, size: number, seg: number, off: number, v: number): void {
  if (size === 4) c.write32(seg, off, v)
  else if (size === 2) c.write16(seg, off, v)
  else c.write8(seg, off, v)
}

/** Scratch for r/m operands: after `readRm`, `rmOff` >= 0 … for memory; -1 register. */
export let rmIsMem = false
export let rmOff = 0
export let rmSeg = DS

/** Reads the r/m operand of `modrm` (decoding the EA once; `writeRm` reuses it). */
export function readRm(c: Cpu, modrm: number, size: number): number {
  if (modrm >= 0xc0) {
    rmIsMem = false
    return getReg(c, size, modrm & 7)
  }
  rmIsMem = true
  rmOff = effectiveAddress(c, modrm)
  rmSeg = eaSeg
  return readMem(c, size, rmSeg, rmOff)
}

/** Decodes the EA of a memory r/m operand without reading it (for pure writes). */
export function decodeRmForWrite(c: Cpu, modrm: number): void {
  if (modrm >= 0xc0) {
    rmIsMem = false
    return
  }
  rmIsMem = true
  rmOff = effectiveAddress(c, modrm)
  rmSeg = eaSeg
}

/** Writes the r/m operand decoded by the last `readRm`/`decodeRmForWrite`. */
export function writeRm(c: Cpu, modrm: number, size: number, v: number): void {
  if (rmIsMem) writeMem(c, size, rmSeg, rmOff, v)
  else setReg(c, size, modrm & 7, v)
}
