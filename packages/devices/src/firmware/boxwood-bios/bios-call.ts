// One BIOS service call as a TypeScript handler sees it: 8/16-bit register views over the trapped register
// snapshot, the caller's DX and FLAGS as the stub saved them on the stack (push dx after INT's FLAGS/CS/IP),
// and real-mode memory through the bounds-checked DMA view.
import type { DmaView, FirmwareRegisters } from '@boxwood/vmm/device-api'

const CF = 0x0001
const ZF = 0x0040

/** A far jump a handler requests instead of returning (INT 19h starting a boot sector). */
export interface FarJump {
  readonly cs: number
  readonly ip: number
  readonly ss: number
  readonly sp: number
  readonly dl: number
}

/** A call in progress. */
export class BiosCall {
  readonly regs: FirmwareRegisters
  private readonly dma: DmaView
  /** The caller's DX (the stub pushed it). */
  dx: number
  private flags: number
  private readonly stack: number
  jump: FarJump | undefined

  /**
   * A 32-bit protected-mode caller (a BIOS32 service). Its memory operands are addresses in its own segments and
   * paging, which only its ROM stub can reach (bios32.ts), so handlers take such operands in registers; the
   * read/write helpers here then take `off` as a physical address and ignore `seg`.
   */
  readonly flat: boolean

  constructor(regs: FirmwareRegisters, dma: DmaView, stubPushedDx = true, flat = false) {
    this.flat = flat
    this.regs = { ...regs }
    this.dma = dma
    this.stack = ((regs.ss & 0xffff) * 16 + (regs.esp & 0xffff)) >>> 0
    this.dx = stubPushedDx ? dma.readU16(this.stack) : regs.edx & 0xffff
    this.flags = stubPushedDx ? dma.readU16(this.stack + 6) : regs.eflags & 0xffff
  }

  get ax(): number {
    return this.regs.eax & 0xffff
  }
  set ax(v: number) {
    this.regs.eax = ((this.regs.eax & 0xffff0000) | (v & 0xffff)) >>> 0
  }
  get ah(): number {
    return (this.regs.eax >> 8) & 0xff
  }
  set ah(v: number) {
    this.regs.eax = ((this.regs.eax & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0
  }
  get al(): number {
    return this.regs.eax & 0xff
  }
  set al(v: number) {
    this.regs.eax = ((this.regs.eax & 0xffffff00) | (v & 0xff)) >>> 0
  }
  get bx(): number {
    return this.regs.ebx & 0xffff
  }
  set bx(v: number) {
    this.regs.ebx = ((this.regs.ebx & 0xffff0000) | (v & 0xffff)) >>> 0
  }
  get bh(): number {
    return (this.regs.ebx >> 8) & 0xff
  }
  set bh(v: number) {
    this.regs.ebx = ((this.regs.ebx & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0
  }
  get bl(): number {
    return this.regs.ebx & 0xff
  }
  set bl(v: number) {
    this.regs.ebx = ((this.regs.ebx & 0xffffff00) | (v & 0xff)) >>> 0
  }
  get cx(): number {
    return this.regs.ecx & 0xffff
  }
  set cx(v: number) {
    this.regs.ecx = ((this.regs.ecx & 0xffff0000) | (v & 0xffff)) >>> 0
  }
  get ch(): number {
    return (this.regs.ecx >> 8) & 0xff
  }
  set ch(v: number) {
    this.regs.ecx = ((this.regs.ecx & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0
  }
  get cl(): number {
    return this.regs.ecx & 0xff
  }
  set cl(v: number) {
    this.regs.ecx = ((this.regs.ecx & 0xffffff00) | (v & 0xff)) >>> 0
  }
  get dh(): number {
    return (this.dx >> 8) & 0xff
  }
  set dh(v: number) {
    this.dx = (this.dx & 0xff) | ((v & 0xff) << 8)
  }
  get dl(): number {
    return this.dx & 0xff
  }
  set dl(v: number) {
    this.dx = (this.dx & 0xff00) | (v & 0xff)
  }
  get si(): number {
    return this.regs.esi & 0xffff
  }
  get di(): number {
    return this.regs.edi & 0xffff
  }
  set di(v: number) {
    this.regs.edi = ((this.regs.edi & 0xffff0000) | (v & 0xffff)) >>> 0
  }
  get bp(): number {
    return this.regs.ebp & 0xffff
  }
  get es(): number {
    return this.regs.es & 0xffff
  }
  set es(v: number) {
    this.regs.es = v & 0xffff
  }
  get ds(): number {
    return this.regs.ds & 0xffff
  }

  /** Sets or clears the caller's carry flag (the usual error indicator). */
  set carry(on: boolean) {
    this.flags = on ? this.flags | CF : this.flags & ~CF
  }
  get carry(): boolean {
    return (this.flags & CF) !== 0
  }
  /** Sets or clears the caller's zero flag (INT 16h AH=01h). */
  set zero(on: boolean) {
    this.flags = on ? this.flags | ZF : this.flags & ~ZF
  }

  /** Linear address of seg:off. */
  static linear(seg: number, off: number): number {
    return (((seg & 0xffff) << 4) + (off & 0xffff)) >>> 0
  }

  read8(seg: number, off: number): number {
    return this.dma.readU8(this.at(seg, off))
  }
  read16(seg: number, off: number): number {
    return this.dma.readU16(this.at(seg, off))
  }
  read32(seg: number, off: number): number {
    return this.dma.readU32(this.at(seg, off)) >>> 0
  }
  write8(seg: number, off: number, v: number): void {
    this.dma.writeU8(this.at(seg, off), v)
  }
  write16(seg: number, off: number, v: number): void {
    this.dma.writeU16(this.at(seg, off), v)
  }
  write32(seg: number, off: number, v: number): void {
    this.dma.writeU32(this.at(seg, off), v)
  }
  readBytes(seg: number, off: number, n: number): Uint8Array {
    const out = new Uint8Array(n)
    this.dma.read(this.at(seg, off), out)
    return out
  }
  writeBytes(seg: number, off: number, data: Uint8Array): void {
    this.dma.write(this.at(seg, off), data)
  }

  /** Linear address of an operand: seg:off in real mode, the offset itself for a flat caller. */
  private at(seg: number, off: number): number {
    return this.flat ? off >>> 0 : BiosCall.linear(seg, off)
  }

  /** Writes the results into the live registers and the caller's stacked DX and FLAGS. */
  applyTo(live: FirmwareRegisters, stubPushedDx = true): void {
    const eip = live.eip
    Object.assign(live, this.regs)
    live.eip = eip
    if (this.jump) {
      live.cs = this.jump.cs
      live.eip = this.jump.ip
      live.ss = this.jump.ss
      live.esp = this.jump.sp
      live.edx = (live.edx & 0xffff0000) | this.jump.dl
      live.eflags = (live.eflags | 0x200) >>> 0
      return
    }
    if (stubPushedDx) {
      this.dma.writeU16(this.stack, this.dx)
      this.dma.writeU16(this.stack + 6, this.flags)
    } else {
      live.edx = ((live.edx & 0xffff0000) | this.dx) >>> 0
    }
  }
}
