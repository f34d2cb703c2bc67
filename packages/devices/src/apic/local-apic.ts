/**
 * Local APIC of the single CPU (xAPIC MMIO at FEE00000h) as the CPU's interrupt source: IRR/ISR/TMR with
 * priority (TPR/PPR), EOI (broadcast to the I/O APIC for level-triggered vectors), spurious vector and software
 * enable, LVT timer (one-shot/periodic on a 100 MHz bus clock with the divide register), LINT0 in ExtINT mode
 * for the 8259 (virtual wire: BSP reset state), LINT1 NMI, self IPIs through the ICR.
 * Spec: Intel SDM vol. 3A ch. 11 (register map Table 11-1, §11.5.1 LVT, §11.5.4 timer, §11.8 interrupt
 * handling, §11.9 spurious interrupt); MultiProcessor Specification 1.4 §3.6.2.2. Follows VirtualBox
 * src/VBox/VMM/VMMAll/APICAll.cpp (QEMU hw/intc/apic.c for the BSP LINT0 reset value).
 */
import { array, bool, defineDevice, defineState, i64, u32, u8 } from '@boxwood/vmm/device-api'
import type { InterruptSource } from '@boxwood/vmm/device-api'
import { apicBusContract, extIntContract } from './apic-bus'
import type { ApicBus, ApicMessage, ExtIntSource } from './apic-bus'

/** The APIC timer's input clock (ns per bus tick: 100 MHz). */
const BUS_NS = 10
const LVT = { TIMER: 0, THERMAL: 1, PERF: 2, LINT0: 3, LINT1: 4, ERROR: 5 } as const
const LVT_MASKED = 0x1_0000
const SVR_ENABLE = 0x100

export const localApicState = defineState({
  unit: 'lapic',
  version: 1,
  fields: {
    id: u8,
    tpr: u8,
    svr: u32,
    ldr: u32,
    dfr: u32,
    esr: u32,
    icrLow: u32,
    icrHigh: u32,
    lvt: array(6, u32),
    irr: array(8, u32),
    isr: array(8, u32),
    tmr: array(8, u32),
    timerInitial: u32,
    timerDivide: u32,
    timerStartNs: i64,
    timerDeadlineNs: i64,
    nmiPending: bool,
  },
})

const bitSet = (words: number[], v: number) => (words[v >> 5]! & (1 << (v & 31))) !== 0
const setBit = (words: number[], v: number) => (words[v >> 5] = (words[v >> 5]! | (1 << (v & 31))) >>> 0)
const clearBit = (words: number[], v: number) => (words[v >> 5] = (words[v >> 5]! & ~(1 << (v & 31))) >>> 0)
function highest(words: number[]): number {
  for (let w = 7; w >= 0; w--) if (words[w]!) return w * 32 + (31 - Math.clz32(words[w]!))
  return -1
}

/** The local APIC: device name `lapic`. It takes the CPU-facing interrupt role (the PIC must not). */
export const localApic = defineDevice({
  name: 'lapic',
  description: 'Local APIC (xAPIC) of the boot processor',
  maxInstances: 1,
  config: {
    address: { type: 'u32', default: 0xfee0_0000 },
    id: { type: 'u8', default: 0 },
  },
  savedState: localApicState,
  create(ctx, config) {
    const state = localApicState.initial()
    const eoiListeners: ((vector: number) => void)[] = []
    let pic: ExtIntSource | undefined
    const timer = ctx.timer('timer', (deadline) => onTimer(deadline))
    let notify: () => void = () => {}

    const enabled = (): boolean => (state.svr & SVR_ENABLE) !== 0
    const divideBy = (): number => {
      const d = state.timerDivide & 0xb
      const code = ((d >> 1) & 4) | (d & 3)
      return code === 7 ? 1 : 2 << code
    }
    const ppr = (): number => {
      const isrv = highest(state.isr)
      const isrClass = isrv < 0 ? 0 : isrv & 0xf0
      return (state.tpr & 0xf0) >= isrClass ? state.tpr : isrClass
    }
    /** LINT0 passes the 8259's INTR (ExtINT, unmasked — or the APIC is not software-enabled at all). */
    const extIntActive = (): boolean => {
      const lint0 = state.lvt[LVT.LINT0]!
      return !!pic && pic.hasInterrupt() && (lint0 & LVT_MASKED) === 0 && ((lint0 >> 8) & 7) === 7
    }

    function accept(vector: number, level: boolean): void {
      if (vector < 16) {
        state.esr |= 0x40 // received illegal vector
        return
      }
      setBit(state.irr, vector)
      if (level) setBit(state.tmr, vector)
      else clearBit(state.tmr, vector)
      notify()
    }

    function deliverLvt(index: number): void {
      const entry = state.lvt[index]!
      if (entry & LVT_MASKED) return
      const mode = (entry >> 8) & 7
      if (mode === 4) {
        state.nmiPending = true
        notify()
      } else if (mode === 0) {
        accept(entry & 0xff, false)
      }
    }

    const bus: ApicBus = {
      deliver(message: ApicMessage) {
        const broadcast = message.logical ? true : message.destination === 0xff
        if (!broadcast && !message.logical && message.destination !== state.id) return false
        if (message.logical && ((state.ldr >>> 24) & message.destination) === 0) return false
        switch (message.mode) {
          case 'fixed':
          case 'lowest':
            accept(message.vector, message.levelTriggered)
            return true
          case 'nmi':
            state.nmiPending = true
            notify()
            return true
          case 'extint':
            notify()
            return true
          default:
            return true // SMI/INIT/STARTUP: nothing to do for a single running CPU
        }
      },
      onEoi: (listener) => eoiListeners.push(listener),
    }
    ctx.provide(apicBusContract, bus)

    const source: InterruptSource = {
      localApic: true, // the CPU reports the APIC in CPUID (Linux then uses it; `noapic` is not needed)
      hasInterrupt() {
        if (extIntActive()) return true
        if (!enabled()) return false
        const v = highest(state.irr)
        return v >= 0 && (v & 0xf0) > (ppr() & 0xf0)
      },
      acknowledge() {
        if (extIntActive()) return pic!.acknowledge()
        const v = highest(state.irr)
        if (!enabled() || v < 0 || (v & 0xf0) <= (ppr() & 0xf0)) return state.svr & 0xff // spurious
        clearBit(state.irr, v)
        setBit(state.isr, v)
        return v
      },
      hasNmi: () => state.nmiPending,
      acknowledgeNmi() {
        state.nmiPending = false
      },
    }
    notify = ctx.interruptController({ cpu: source }).changed

    function currentCount(): number {
      if (state.timerInitial === 0 || (state.timerDeadlineNs < 0 && ((state.lvt[LVT.TIMER]! >> 17) & 3) !== 1)) {
        if (state.timerDeadlineNs < 0) return 0
      }
      const ticks = Math.floor((ctx.clock.nowNs() - state.timerStartNs) / (BUS_NS * divideBy()))
      const periodic = ((state.lvt[LVT.TIMER]! >> 17) & 3) === 1
      if (periodic) return state.timerInitial - (ticks % state.timerInitial)
      return Math.max(0, state.timerInitial - ticks)
    }

    function armTimer(startNs: number): void {
      if (state.timerInitial === 0) {
        state.timerDeadlineNs = -1
        timer.cancel()
        return
      }
      state.timerStartNs = startNs
      state.timerDeadlineNs = startNs + state.timerInitial * BUS_NS * divideBy()
      timer.armAt(state.timerDeadlineNs)
    }

    function onTimer(deadline: number): void {
      deliverLvt(LVT.TIMER)
      if (((state.lvt[LVT.TIMER]! >> 17) & 3) === 1) armTimer(deadline)
      else state.timerDeadlineNs = -1
    }

    function eoi(): void {
      const v = highest(state.isr)
      if (v < 0) return
      clearBit(state.isr, v)
      if (bitSet(state.tmr, v)) {
        clearBit(state.tmr, v)
        for (const l of eoiListeners) l(v)
      }
      notify()
    }

    function read(offset: number): number {
      const reg = offset >> 4
      switch (reg) {
        case 0x02:
          return state.id << 24
        case 0x03:
          return 0x0005_0014 // version 0x14, 6 LVT entries
        case 0x08:
          return state.tpr
        case 0x09:
          return 0
        case 0x0a:
          return ppr()
        case 0x0d:
          return state.ldr
        case 0x0e:
          return state.dfr
        case 0x0f:
          return state.svr
        case 0x28:
          return state.esr
        case 0x30:
          return state.icrLow
        case 0x31:
          return state.icrHigh
        case 0x38:
          return state.timerInitial
        case 0x39:
          return currentCount() >>> 0
        case 0x3e:
          return state.timerDivide
        default:
          if (reg >= 0x10 && reg < 0x18) return state.isr[reg - 0x10]!
          if (reg >= 0x18 && reg < 0x20) return state.tmr[reg - 0x18]!
          if (reg >= 0x20 && reg < 0x28) return state.irr[reg - 0x20]!
          if (reg >= 0x32 && reg < 0x38) return state.lvt[reg - 0x32]!
          return 0
      }
    }

    function write(offset: number, value: number): void {
      const reg = offset >> 4
      switch (reg) {
        case 0x02:
          state.id = value >>> 24
          return
        case 0x08:
          state.tpr = value & 0xff
          notify()
          return
        case 0x0b:
          eoi()
          return
        case 0x0d:
          state.ldr = (value & 0xff00_0000) >>> 0
          return
        case 0x0e:
          state.dfr = (value | 0x0fff_ffff) >>> 0
          return
        case 0x0f:
          state.svr = value & 0x3ff
          // Software-disabling masks every LVT entry (SDM §11.4.7.2).
          if (!enabled()) for (let i = 0; i < 6; i++) state.lvt[i] = (state.lvt[i]! | LVT_MASKED) >>> 0
          notify()
          return
        case 0x28:
          state.esr = 0
          return
        case 0x30: {
          state.icrLow = value & 0x000c_cfff
          const shorthand = (value >> 18) & 3
          const mode = (value >> 8) & 7
          const toSelf = shorthand === 1 || shorthand === 2 || (shorthand === 0 && state.icrHigh >>> 24 === state.id)
          if (toSelf && mode === 0) accept(value & 0xff, false)
          else if (toSelf && mode === 4) {
            state.nmiPending = true
            notify()
          }
          return
        }
        case 0x31:
          state.icrHigh = (value & 0xff00_0000) >>> 0
          return
        case 0x38:
          state.timerInitial = value >>> 0
          armTimer(ctx.clock.nowNs())
          return
        case 0x3e:
          state.timerDivide = value & 0xb
          return
        default:
          if (reg >= 0x32 && reg < 0x38) {
            const index = reg - 0x32
            let v = value & (index === LVT.TIMER ? 0x3_10ff : 0x1_a7ff)
            if (!enabled()) v |= LVT_MASKED
            state.lvt[index] = v >>> 0
            notify()
          }
      }
    }

    ctx
      .mmio(0x1000, { sizes: [4], read: (o) => read(o), write: (o, v) => write(o, v >>> 0) }, 'local APIC')
      .map(config.address)

    return {
      state,
      reset() {
        state.id = config.id
        state.tpr = 0
        state.svr = 0xff
        state.ldr = 0
        state.dfr = 0xffff_ffff
        state.esr = 0
        state.icrLow = 0
        state.icrHigh = 0
        state.lvt.fill(LVT_MASKED)
        // Virtual-wire mode of the boot processor: LINT0 ExtINT (unmasked), LINT1 NMI.
        state.lvt[LVT.LINT0] = 0x700
        state.lvt[LVT.LINT1] = 0x400
        state.irr.fill(0)
        state.isr.fill(0)
        state.tmr.fill(0)
        state.timerInitial = 0
        state.timerDivide = 0
        state.timerStartNs = 0
        state.timerDeadlineNs = -1
        state.nmiPending = false
        timer.cancel()
      },
      afterReset() {
        if (!pic) {
          pic = ctx.service(extIntContract)
          pic?.onChange(() => notify())
        }
      },
      afterLoad() {
        if (!pic) {
          pic = ctx.service(extIntContract)
          pic?.onChange(() => notify())
        }
        if (state.timerDeadlineNs >= 0) timer.armAt(state.timerDeadlineNs)
      },
    }
  },
})
