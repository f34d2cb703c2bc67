// The x87 FPU (i387-compatible, P6 family): decodes the D8–DF opcode space (ModRM) and runs each instruction on
// X87State (Intel SDM vol. 2 instruction entries, opcode map appendix A.5 "escape opcode instructions"; vol. 1
// ch. 8). Precision model: see x87-state.ts. Pending unmasked exceptions are delivered through the host before
// every waiting instruction (SDM vol. 1 §8.6); the no-wait forms (FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV,
// FNSAVE) never deliver them.
import type { Fpu, FpuArchState, FpuHost } from './fpu-contract'
import { squareRoot } from './x87-arith'
import { ORDER, compare, examine, setCompareConditions } from './x87-compare'
import {
  deserialise,
  fxrstorX87,
  fxsaveX87,
  loadEnvironment,
  normaliseControlWord,
  restoreAll,
  saveAll,
  serialise,
  storeEnvironment,
  storeRegister80,
} from './x87-environment'
import { RC, float32FromBits, float64FromBits } from './x87-extended'
import { EFLAGS, assertX87Host, type X87Host } from './x87-host'
import { executeFast } from './x87-fast'
import { exactSquareRoot } from './x87-hot'
import { KIND, X87_KINDS } from './x87-kinds'
import { CONSTANTS, NO_WAIT, ORDINARY, classifyInstruction, constantLow } from './x87-opcodes'
import {
  integerResult,
  loadBcd,
  loadFloat32,
  loadFloat32Bits,
  loadFloat64,
  loadFloat64Bits,
  loadFloat80,
  loadInt16,
  loadInt32,
  loadInt64,
  toBcd,
  toFloat32Bits,
  toFloat64Bits,
  toInteger,
} from './x87-memory'
import { compareInto, memoryOperandArithmetic, pushLoaded, pushSlot, registerArithmetic } from './x87-stack'
import { EXCEPTION_MASK, SW, TMP, TMP2, X87State } from './x87-state'
import { BINARY, UNARY, binary, extract, remainder, roundToIntegral, scale, sinCos, unary } from './x87-transcendental'

/** The x87 FPU. The CPU calls `execute` with a host that also implements X87CpuAccess (see x87-host.ts). */
export class X87Fpu implements Fpu {
  /** The register file (exposed for tests and the debugger). */
  readonly state = new X87State()
  private readonly float64Out = new Uint32Array(2)
  private readonly bcdOut = new Uint8Array(10)
  /** The last host checked by assertX87Host (the CPU passes the same object every time). */
  private checkedHost: FpuHost | null = null
  /** Pre-decoded kinds (x87-kinds.ts), or all GENERAL when the fast paths are off. */
  readonly kinds: Uint8Array

  /** `fastPaths: false` runs every instruction through the general decoder (the reference for tests). */
  constructor(options: { readonly fastPaths?: boolean } = {}) {
    this.kinds = options.fastPaths === false ? new Uint8Array(X87_KINDS.length) : X87_KINDS
  }

  execute(
    opcode: number,
    modrm: number,
    linear: number,
    host: X87Host,
    instructionPointer: number,
    dataPointer: number,
  ): void {
    if (host !== this.checkedHost) {
      assertX87Host(host)
      this.checkedHost = host
    }
    const s = this.state
    const op = opcode & 7
    const code = (op << 8) | modrm
    const fast = this.kinds[code] as number
    if (fast !== KIND.GENERAL && (s.statusFlags & SW.ES) === 0) {
      // A pre-decoded ordinary instruction with nothing pending: record the pointers, then the flat fast path.
      s.instructionPointer = instructionPointer
      s.lastOpcode = code
      s.codeSelector = host.codeSelector & 0xffff
      if (fast >= KIND.MEMORY) {
        s.dataPointer = dataPointer
        s.dataSelector = host.dataSelector & 0xffff
      }
      if (executeFast(s, fast, modrm, linear, host)) return
    }
    const reg = (modrm >>> 3) & 7
    if (modrm >= 0xc0 && op !== 3 && op !== 7) {
      // The hot path: register forms of D8–DA and DC–DE are all ordinary waiting instructions.
      if ((s.statusFlags & SW.ES) !== 0) host.raiseFloatingPointError()
      s.instructionPointer = instructionPointer
      s.lastOpcode = (op << 8) | modrm
      s.codeSelector = host.codeSelector & 0xffff
      return this.registerForm(op, reg, modrm & 7, host)
    }
    if (modrm < 0xc0 && (reg < 4 || (op !== 1 && op !== 5))) {
      // Memory forms other than D9 /4–/7 and DD /4–/7 (environment, control word, state, status word) are all
      // ordinary waiting instructions that record both pointers.
      if ((s.statusFlags & SW.ES) !== 0) host.raiseFloatingPointError()
      s.instructionPointer = instructionPointer
      s.lastOpcode = (op << 8) | modrm
      s.codeSelector = host.codeSelector & 0xffff
      s.dataPointer = dataPointer
      s.dataSelector = host.dataSelector & 0xffff
      return this.memoryForm(op, reg, linear, host)
    }
    const isRegister = modrm >= 0xc0
    const kind = classifyInstruction(op, reg, modrm, isRegister)
    if (kind !== NO_WAIT) {
      if ((s.statusFlags & SW.ES) !== 0) host.raiseFloatingPointError()
      if (kind === ORDINARY) {
        s.instructionPointer = instructionPointer
        s.lastOpcode = (op << 8) | (modrm & 0xff)
        s.codeSelector = host.codeSelector & 0xffff
        if (!isRegister) {
          s.dataPointer = dataPointer
          s.dataSelector = host.dataSelector & 0xffff
        }
      }
    }
    if (isRegister) this.registerForm(op, reg, modrm & 7, host)
    else this.memoryForm(op, reg, linear, host)
  }

  wait(host: FpuHost): void {
    if ((this.state.statusFlags & SW.ES) !== 0) host.raiseFloatingPointError()
  }

  reset(): void {
    this.state.reset()
  }

  fxsave(host: FpuHost, linear: number): void {
    fxsaveX87(this.state, host, linear)
  }

  fxrstor(host: FpuHost, linear: number): void {
    fxrstorX87(this.state, host, linear)
  }

  getState(): FpuArchState {
    const s = this.state
    const registers: Uint8Array[] = []
    for (let r = 0; r < 8; r++) {
      const at = s.loadExtended(r)
      const bytes = new Uint8Array(10)
      const view = new DataView(bytes.buffer)
      view.setUint32(0, s.ext[at] as number, true)
      view.setUint32(4, s.ext[at + 1] as number, true)
      view.setUint16(8, s.ext[at + 2] as number, true)
      registers.push(bytes)
    }
    return {
      controlWord: s.controlWord,
      statusWord: s.statusWord(),
      tagWord: s.tagWord(),
      registers,
      instructionPointer: s.instructionPointer >>> 0,
      dataPointer: s.dataPointer >>> 0,
      lastOpcode: s.lastOpcode,
    }
  }

  setState(state: FpuArchState): void {
    const s = this.state
    for (let r = 0; r < 8; r++) {
      const bytes = state.registers[r]
      if (bytes === undefined || bytes.length < 10) {
        s.setExtended(r, 0, 0, 0)
        continue
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, 10)
      s.setExtended(r, view.getUint32(0, true), view.getUint32(4, true), view.getUint16(8, true))
    }
    s.controlWord = state.controlWord & 0xffff
    s.setTagWord(state.tagWord)
    s.top = (state.statusWord >>> 11) & 7
    s.statusFlags = state.statusWord & 0xffff & ~SW.TOP
    s.instructionPointer = state.instructionPointer >>> 0
    s.dataPointer = state.dataPointer >>> 0
    s.lastOpcode = state.lastOpcode & 0x7ff
  }

  saveState(): Uint8Array {
    return serialise(this.state)
  }

  loadState(bytes: Uint8Array): void {
    deserialise(this.state, bytes)
  }

  // --- memory operand forms (mod != 3) ---

  private memoryForm(op: number, reg: number, linear: number, host: X87Host): void {
    const s = this.state
    switch (op) {
      case 0:
        loadFloat32(s, TMP, host, linear)
        return memoryOperandArithmetic(s, reg)
      case 2:
        loadInt32(s, TMP, host, linear)
        return memoryOperandArithmetic(s, reg)
      case 4:
        loadFloat64(s, TMP, host, linear)
        return memoryOperandArithmetic(s, reg)
      case 6:
        loadInt16(s, TMP, host, linear)
        return memoryOperandArithmetic(s, reg)
      case 1:
        return this.d9Memory(reg, linear, host)
      case 3:
        return this.dbMemory(reg, linear, host)
      case 5:
        return this.ddMemory(reg, linear, host)
      default:
        return this.dfMemory(reg, linear, host)
    }
  }

  private d9Memory(reg: number, linear: number, host: X87Host): void {
    const s = this.state
    switch (reg) {
      case 0: {
        // FLD m32fp: a normal or zero operand (no #I, no #D) goes straight onto an empty slot.
        const target = (s.top - 1) & 7
        const bits = host.read32(linear) >>> 0
        const exp = bits & 0x7f800000
        if (s.empty[target] === 1 && ((exp !== 0 && exp !== 0x7f800000) || (bits & 0x7fffff) === 0)) {
          s.setC1(false)
          s.top = target
          s.setValue(target, float32FromBits(bits))
          return
        }
        loadFloat32Bits(s, TMP, bits) // read once: the operand may be MMIO
        return pushLoaded(s, true)
      }
      case 2: // FST m32fp
      case 3: {
        // FSTP m32fp
        let bits: number
        if (s.empty[s.top] === 1) {
          if (s.stackUnderflow()) return
          bits = 0xffc00000
        } else {
          bits = toFloat32Bits(s, s.top)
          if (bits < 0) return
        }
        host.write32(linear, bits)
        if (reg === 3) s.pop()
        return
      }
      case 4: // FLDENV
        return loadEnvironment(s, host, linear)
      case 5: // FLDCW
        s.controlWord = normaliseControlWord(host.read16(linear))
        s.updateErrorSummary()
        return
      case 6: // FNSTENV: stores, then masks all exceptions
        storeEnvironment(s, host, linear)
        s.controlWord |= EXCEPTION_MASK
        s.updateErrorSummary()
        return
      case 7: // FNSTCW
        return host.write16(linear, s.controlWord)
      default:
        return host.raiseInvalidOpcode()
    }
  }

  private dbMemory(reg: number, linear: number, host: X87Host): void {
    const s = this.state
    switch (reg) {
      case 0: {
        // FILD m32int: every int32 is a binary64 value; the common case pushes it straight onto an empty slot.
        const target = (s.top - 1) & 7
        if (s.empty[target] === 1) {
          const v = host.read32(linear) | 0
          s.setC1(false)
          s.top = target
          s.setValue(target, v)
          return
        }
        loadInt32(s, TMP, host, linear)
        return pushLoaded(s, false)
      }
      case 1: // FISTTP m32int (truncating)
      case 2: // FIST m32int
      case 3: // FISTP m32int
        return this.storeInteger(32, reg, linear, host)
      case 5: // FLD m80fp
        loadFloat80(s, TMP, host, linear)
        return pushLoaded(s, false)
      case 7: // FSTP m80fp
        if (s.empty[s.top] === 1) {
          if (s.stackUnderflow()) return
          s.setIndefinite(TMP)
          storeRegister80(s, TMP, host, linear)
        } else {
          storeRegister80(s, s.top, host, linear)
        }
        s.pop()
        return
      default:
        return host.raiseInvalidOpcode()
    }
  }

  private ddMemory(reg: number, linear: number, host: X87Host): void {
    const s = this.state
    switch (reg) {
      case 0: {
        // FLD m64fp: a normal or zero operand (no #I, no #D) goes straight onto an empty slot.
        const target = (s.top - 1) & 7
        if (s.empty[target] === 1) {
          const lo = host.read32(linear) >>> 0
          const hi = host.read32(linear + 4) >>> 0
          const exp = hi & 0x7ff00000
          if ((exp !== 0 && exp !== 0x7ff00000) || ((hi & 0xfffff) | lo) === 0) {
            s.setC1(false)
            s.top = target
            s.setValue(target, float64FromBits(lo, hi))
            return
          }
          loadFloat64Bits(s, TMP, lo, hi) // read once: the operand may be MMIO
        } else {
          loadFloat64(s, TMP, host, linear)
        }
        return pushLoaded(s, true)
      }
      case 1: // FISTTP m64int
        return this.storeInteger(64, reg, linear, host)
      case 2: // FST m64fp
      case 3: {
        // FSTP m64fp
        const out = this.float64Out
        if (s.empty[s.top] === 1) {
          if (s.stackUnderflow()) return
          out[0] = 0
          out[1] = 0xfff80000
        } else if (!toFloat64Bits(s, s.top, out)) {
          return
        }
        host.write32(linear, out[0] as number)
        host.write32(linear + 4, out[1] as number)
        if (reg === 3) s.pop()
        return
      }
      case 4: // FRSTOR
        return restoreAll(s, host, linear)
      case 6: // FNSAVE
        return saveAll(s, host, linear)
      case 7: // FNSTSW m16
        return host.write16(linear, s.statusWord())
      default:
        return host.raiseInvalidOpcode()
    }
  }

  private dfMemory(reg: number, linear: number, host: X87Host): void {
    const s = this.state
    switch (reg) {
      case 0: // FILD m16int
        loadInt16(s, TMP, host, linear)
        return pushLoaded(s, false)
      case 1: // FISTTP m16int
      case 2: // FIST m16int
      case 3: // FISTP m16int
        return this.storeInteger(16, reg, linear, host)
      case 4: // FBLD
        loadBcd(s, TMP, host, linear)
        return pushLoaded(s, false)
      case 5: // FILD m64int
        loadInt64(s, TMP, host, linear)
        return pushLoaded(s, false)
      case 6: {
        // FBSTP
        const out = this.bcdOut
        if (s.empty[s.top] === 1) {
          if (s.stackUnderflow()) return
          out.fill(0)
          out[7] = 0xc0
          out[8] = 0xff
          out[9] = 0xff
        } else if (!toBcd(s, s.top, out)) {
          return
        }
        for (let i = 0; i < 10; i++) host.write8(linear + i, out[i] as number)
        s.pop()
        return
      }
      default: // FISTP m64int
        return this.storeInteger(64, 3, linear, host)
    }
  }

  /** FIST/FISTP/FISTTP of `bits` bits; reg 1 = FISTTP (truncate, pop), 2 = FIST, 3 = FISTP. */
  private storeInteger(bits: number, reg: number, linear: number, host: X87Host): void {
    const s = this.state
    const out = integerResult
    if (s.empty[s.top] === 1) {
      if (s.stackUnderflow()) return
      out[0] = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 0
      out[1] = bits === 64 ? 0x80000000 : 0
    } else if (!toInteger(s, s.top, bits, reg === 1 ? RC.ZERO : s.roundingControl())) {
      return
    }
    if (bits === 16) host.write16(linear, out[0] as number)
    else {
      host.write32(linear, out[0] as number)
      if (bits === 64) host.write32(linear + 4, out[1] as number)
    }
    if (reg !== 2) s.pop()
  }

  // --- register forms (mod = 3) ---

  private registerForm(op: number, reg: number, rm: number, host: X87Host): void {
    const s = this.state
    const st0 = s.top
    const sti = (s.top + rm) & 7
    switch (op) {
      case 0: // D8: ST(0) ← ST(0) op ST(i); FCOM, FCOMP
        if (reg === 2 || reg === 3) {
          if (compareInto(s, st0, sti, false) !== ORDER.FAULT && reg === 3) s.pop()
          return
        }
        return registerArithmetic(s, reg, st0, st0, sti, false)
      case 4: // DC: ST(i) ← ST(i) op ST(0), with SUB/SUBR and DIV/DIVR swapped; FCOM2/FCOMP3 aliases
      case 6: // DE: the same, then pop; FCOMP5 alias and FCOMPP
        if (reg === 2 || reg === 3) {
          if (op === 6 && reg === 3) {
            if (rm !== 1) return host.raiseInvalidOpcode()
            if (compareInto(s, st0, (s.top + 1) & 7, false) === ORDER.FAULT) return
            s.pop()
            s.pop()
            return
          }
          if (compareInto(s, st0, sti, false) !== ORDER.FAULT && (reg === 3 || op === 6)) s.pop()
          return
        }
        return registerArithmetic(s, reg >= 4 ? reg ^ 1 : reg, sti, sti, st0, op === 6)
      case 1:
        return this.d9Register(reg, rm, host)
      case 2:
        if (reg <= 3) return this.conditionalMove(reg, false, sti, host)
        if (reg === 5 && rm === 1) {
          // FUCOMPP
          if (compareInto(s, st0, (s.top + 1) & 7, true) === ORDER.FAULT) return
          s.pop()
          s.pop()
          return
        }
        return host.raiseInvalidOpcode()
      case 3:
        if (reg <= 3) return this.conditionalMove(reg, true, sti, host)
        if (reg === 4) {
          if (rm === 2) {
            // FNCLEX
            s.statusFlags &= ~(EXCEPTION_MASK | SW.SF | SW.ES | SW.B)
            return
          }
          if (rm === 3) return s.reset() // FNINIT
          if (rm === 0 || rm === 1 || rm === 4) return // FNENI, FNDISI, FNSETPM: no-ops since the 80387
          return host.raiseInvalidOpcode()
        }
        if (reg === 5 || reg === 6) return this.compareToFlags(sti, reg === 5, false, host) // FUCOMI, FCOMI
        return host.raiseInvalidOpcode()
      case 5:
        switch (reg) {
          case 0: // FFREE
            s.empty[sti] = 1
            return
          case 1: // FXCH4 alias
            return this.exchange(sti)
          case 2: // FST ST(i)
          case 3: // FSTP ST(i)
            return this.storeToRegister(sti, reg === 3)
          case 4: // FUCOM
          case 5: // FUCOMP
            if (compareInto(s, st0, sti, true) !== ORDER.FAULT && reg === 5) s.pop()
            return
          default:
            return host.raiseInvalidOpcode()
        }
      default: // DF
        switch (reg) {
          case 0: // FFREEP (undocumented by Intel): FFREE ST(i), then pop
            s.empty[sti] = 1
            s.pop()
            return
          case 1: // FXCH7 alias
            return this.exchange(sti)
          case 2: // FSTP8 alias
          case 3: // FSTP9 alias
            return this.storeToRegister(sti, true)
          case 4:
            if (rm === 0) return host.setAx(s.statusWord()) // FNSTSW AX
            return host.raiseInvalidOpcode()
          case 5: // FUCOMIP
          case 6: // FCOMIP
            return this.compareToFlags(sti, reg === 5, true, host)
          default:
            return host.raiseInvalidOpcode()
        }
    }
  }

  private d9Register(reg: number, rm: number, host: X87Host): void {
    const s = this.state
    const st0 = s.top
    const sti = (s.top + rm) & 7
    switch (reg) {
      case 0: // FLD ST(i)
        if (s.empty[sti] === 1) {
          if (s.stackUnderflow()) return
          s.setIndefinite(TMP2)
          pushSlot(s, TMP2)
        } else if (s.empty[(s.top - 1) & 7] === 1) {
          // The common case: copy straight into the new top (it is empty, so it is not ST(i)).
          s.setC1(false)
          s.top = (s.top - 1) & 7
          s.copy(s.top, sti)
        } else {
          s.copy(TMP2, sti)
          pushSlot(s, TMP2)
        }
        return
      case 1: // FXCH
        return this.exchange(sti)
      case 2:
        if (rm === 0) return // FNOP
        return host.raiseInvalidOpcode()
      case 3: // FSTP1 alias
        return this.storeToRegister(sti, true)
      case 4:
        return this.d9Group4(rm, host)
      case 5:
        if (rm === 7) return host.raiseInvalidOpcode()
        return this.loadConstant(rm)
      case 6:
        return this.d9Group6(rm, st0)
      default:
        return this.d9Group7(rm, st0)
    }
  }

  /** D9 E0–E7: FCHS, FABS, FTST, FXAM. */
  private d9Group4(rm: number, host: X87Host): void {
    const s = this.state
    const st0 = s.top
    if (rm === 5) return examine(s, st0)
    if (rm !== 0 && rm !== 1 && rm !== 4) return host.raiseInvalidOpcode()
    if (s.empty[st0] === 1) {
      if (s.stackUnderflow()) return
      if (rm === 4) setCompareConditions(s, ORDER.UNORDERED)
      else s.setIndefinite(st0)
      return
    }
    if (rm === 4) {
      // FTST: compare with +0.0
      s.setValue(TMP, 0)
      const order = compare(s, st0, TMP, false)
      if (order !== ORDER.FAULT) setCompareConditions(s, order)
      return
    }
    const at = s.loadExtended(st0)
    const se = s.ext[at + 2] as number
    s.setExtended(st0, s.ext[at] as number, s.ext[at + 1] as number, rm === 0 ? se ^ 0x8000 : se & 0x7fff)
    s.setC1(false)
  }

  /** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. */
  private loadConstant(index: number): void {
    const s = this.state
    const c = CONSTANTS[index]
    if (c === undefined) return
    s.setExtended(TMP2, constantLow(index, s.roundingControl()), c[1], c[0])
    pushSlot(s, TMP2)
  }

  /** D9 F0–F7: F2XM1, FYL2X, FPTAN, FPATAN, FXTRACT, FPREM1, FDECSTP, FINCSTP. */
  private d9Group6(rm: number, st0: number): void {
    const s = this.state
    const st1 = (s.top + 1) & 7
    switch (rm) {
      case 0: // F2XM1
        if (this.underflowed1(st0)) return
        unary(s, UNARY.F2XM1, st0)
        return
      case 1: // FYL2X
      case 3: // FPATAN
        if (this.underflowed2(st0, st1, st1, true)) return
        if (binary(s, rm === 1 ? BINARY.YL2X : BINARY.PATAN, st0, st1)) s.pop()
        return
      case 2: // FPTAN
        if (this.underflowed1(st0) || this.overflowedForTwoResults(st0)) return
        if (unary(s, UNARY.TAN, st0)) {
          s.setValue(TMP2, 1)
          pushSlot(s, TMP2)
        }
        return
      case 4: // FXTRACT
        if (this.underflowed1(st0) || this.overflowedForTwoResults(st0)) return
        if (extract(s, st0, TMP2)) pushSlot(s, TMP2)
        return
      case 5: // FPREM1
        if (this.underflowed2(st0, st1, st0, false)) return
        return remainder(s, st0, st1, true)
      case 6: // FDECSTP
        s.top = (s.top - 1) & 7
        s.setC1(false)
        return
      default: // FINCSTP
        s.top = (s.top + 1) & 7
        s.setC1(false)
        return
    }
  }

  /** D9 F8–FF: FPREM, FYL2XP1, FSQRT, FSINCOS, FRNDINT, FSCALE, FSIN, FCOS. */
  private d9Group7(rm: number, st0: number): void {
    const s = this.state
    const st1 = (s.top + 1) & 7
    switch (rm) {
      case 0: // FPREM
        if (this.underflowed2(st0, st1, st0, false)) return
        return remainder(s, st0, st1, false)
      case 1: // FYL2XP1
        if (this.underflowed2(st0, st1, st1, true)) return
        if (binary(s, BINARY.YL2XP1, st0, st1)) s.pop()
        return
      case 2: // FSQRT
        if (exactSquareRoot(s, st0)) return
        if (this.underflowed1(st0)) return
        squareRoot(s, st0, st0)
        return
      case 3: {
        // FSINCOS
        if (this.underflowed1(st0) || this.overflowedForTwoResults(st0)) return
        const c = sinCos(s, st0)
        if ((s.statusFlags & SW.C2) !== 0 || (s.values[st0] as number) !== (s.values[st0] as number)) return
        s.setValue(TMP2, c)
        pushSlot(s, TMP2)
        return
      }
      case 4: // FRNDINT
        if (this.underflowed1(st0)) return
        return roundToIntegral(s, st0)
      case 5: // FSCALE
        if (this.underflowed2(st0, st1, st0, false)) return
        return scale(s, st0, st1)
      case 6: // FSIN
        if (this.underflowed1(st0)) return
        unary(s, UNARY.SIN, st0)
        return
      default: // FCOS
        if (this.underflowed1(st0)) return
        unary(s, UNARY.COS, st0)
        return
    }
  }

  /** True when ST(0) is empty (after the masked response: ST(0) ← indefinite). */
  private underflowed1(st0: number): boolean {
    const s = this.state
    if (s.empty[st0] === 0) return false
    if (!s.stackUnderflow()) s.setIndefinite(st0)
    return true
  }

  /** True when ST(0) or ST(1) is empty; the masked response writes the indefinite to `dst` (and pops). */
  private underflowed2(st0: number, st1: number, dst: number, popAfter: boolean): boolean {
    const s = this.state
    if (s.empty[st0] === 0 && s.empty[st1] === 0) return false
    if (!s.stackUnderflow()) {
      s.setIndefinite(dst)
      if (popAfter) s.pop()
    }
    return true
  }

  /** FPTAN/FSINCOS/FXTRACT push a second result: ST(7) must be empty. */
  private overflowedForTwoResults(st0: number): boolean {
    const s = this.state
    if (s.empty[(s.top - 1) & 7] === 1) return false
    if (!s.stackOverflow()) {
      s.setIndefinite(st0)
      s.setIndefinite(TMP2)
      s.top = (s.top - 1) & 7
      s.copy(s.top, TMP2)
    }
    return true
  }

  /** FXCH ST(i): empty operands become the indefinite first (masked stack underflow). */
  private exchange(sti: number): void {
    const s = this.state
    const st0 = s.top
    if (s.empty[st0] === 1 || s.empty[sti] === 1) {
      if (s.stackUnderflow()) return
      if (s.empty[st0] === 1) s.setIndefinite(st0)
      if (s.empty[sti] === 1) s.setIndefinite(sti)
    }
    s.copy(TMP2, st0)
    s.copy(st0, sti)
    s.copy(sti, TMP2)
    s.setC1(false)
  }

  /** FST/FSTP ST(i). */
  private storeToRegister(sti: number, popAfter: boolean): void {
    const s = this.state
    const st0 = s.top
    if (s.empty[st0] === 1) {
      if (s.stackUnderflow()) return
      s.setIndefinite(sti)
    } else if (sti !== st0) {
      s.copy(sti, st0)
    }
    s.setC1(false)
    if (popAfter) s.pop()
  }

  /** FCMOVcc (DA: B, E, BE, U; DB: the negations). */
  private conditionalMove(reg: number, negate: boolean, sti: number, host: X87Host): void {
    const s = this.state
    const st0 = s.top
    if (s.empty[st0] === 1 || s.empty[sti] === 1) {
      if (!s.stackUnderflow()) s.setIndefinite(st0)
      return
    }
    const flags = host.eflags
    let condition: boolean
    if (reg === 0) condition = (flags & EFLAGS.CF) !== 0
    else if (reg === 1) condition = (flags & EFLAGS.ZF) !== 0
    else if (reg === 2) condition = (flags & (EFLAGS.CF | EFLAGS.ZF)) !== 0
    else condition = (flags & EFLAGS.PF) !== 0
    if (condition !== negate) s.copy(st0, sti)
    s.setC1(false)
  }

  /** FCOMI/FUCOMI(P): compares ST(0) with ST(i) into ZF/PF/CF. */
  private compareToFlags(sti: number, quiet: boolean, popAfter: boolean, host: X87Host): void {
    const s = this.state
    const st0 = s.top
    let order: number
    if (s.empty[st0] === 1 || s.empty[sti] === 1) {
      if (s.stackUnderflow()) return
      order = ORDER.UNORDERED
    } else {
      order = compare(s, st0, sti, quiet)
      if (order === ORDER.FAULT) return
    }
    s.statusFlags &= ~SW.C1
    if (order === ORDER.GREATER) host.setArithmeticFlags(false, false, false)
    else if (order === ORDER.LESS) host.setArithmeticFlags(false, false, true)
    else if (order === ORDER.EQUAL) host.setArithmeticFlags(true, false, false)
    else host.setArithmeticFlags(true, true, true)
    if (popAfter) s.pop()
  }
}
