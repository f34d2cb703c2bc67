/**
 * Intel 8259A PIC pair (master 0x20, slave 0xA0 cascaded on IRQ2) with the PIIX3 ELCR (0x4D0/0x4D1).
 * Spec: Intel 8259A datasheet (ICW1–4, OCW1–3, priority rotation, poll, special mask), PIIX3 datasheet §4.1.10
 * (ELCR1/ELCR2). Follows the behaviour of VirtualBox src/VBox/Devices/PC/DevPIC.cpp.
 * It is the CPU's InterruptSource (INTR + INTA) while no local APIC takes that role.
 */
import { array, bool, defineDevice, defineState, struct, u16, u8 } from '@boxwood/vmm/device-api'
import type { InterruptSource, ValueOf } from '@boxwood/vmm/device-api'
import { extIntContract } from '../apic/apic-bus'

/** IRQ lines of the slave that the ELCR can never make level-triggered (PIIX3: IRQ 0, 1, 2, 8, 13). */
const ELCR_MASK = [0xf8, 0xde] as const

const picFields = {
  irr: u8,
  isr: u8,
  imr: u8,
  /** Input levels seen last (edge detection). */
  lastIrr: u8,
  /** ICW2 vector base (bits 7..3). */
  vectorBase: u8,
  /** 0 = ready (OCWs), 1 = expecting ICW2, 2 = ICW3, 3 = ICW4. */
  initState: u8,
  icw4Needed: bool,
  singleMode: bool,
  /** ICW1.LTIM: every input level-triggered. */
  levelMode: bool,
  autoEoi: bool,
  rotateOnAutoEoi: bool,
  specialFullyNested: bool,
  specialMask: bool,
  /** OCW3 RR/RIS: command-port reads return ISR (true) or IRR. */
  readIsr: bool,
  /** OCW3 P: the next read is a poll. */
  poll: bool,
  /** Lowest-priority rotation: IRQ `priorityAdd` has the highest priority. */
  priorityAdd: u8,
  elcr: u8,
}

export const i8259State = defineState({
  unit: 'i8259',
  version: 1,
  fields: { pics: array(2, struct(picFields)) },
  config: { masterBase: u16, slaveBase: u16 },
})

type Pic = ValueOf<typeof picFields>

function resetPic(p: Pic, keepElcr: boolean): void {
  const elcr = p.elcr
  Object.assign(p, {
    irr: 0,
    isr: 0,
    imr: 0,
    lastIrr: 0,
    vectorBase: 0,
    initState: 0,
    icw4Needed: false,
    singleMode: false,
    levelMode: false,
    autoEoi: false,
    rotateOnAutoEoi: false,
    specialFullyNested: false,
    specialMask: false,
    readIsr: false,
    poll: false,
    priorityAdd: 0,
    elcr: keepElcr ? elcr : 0,
  })
}

/** Priority (0 = highest) of the highest bit of `mask` after rotation, 8 if none. */
function priorityOf(p: Pic, mask: number): number {
  if (mask === 0) return 8
  let priority = 0
  while ((mask & (1 << ((priority + p.priorityAdd) & 7))) === 0) priority++
  return priority
}

/** The IRQ (0..7) this PIC would present, or -1. */
function pendingIrq(p: Pic, isMaster: boolean): number {
  const requestPriority = priorityOf(p, p.irr & ~p.imr)
  if (requestPriority === 8) return -1
  let inService = p.isr
  if (p.specialMask) inService &= ~p.imr
  // Special fully nested mode: the slave may interrupt while one of its own IRQs is in service.
  if (p.specialFullyNested && isMaster) inService &= ~(1 << 2)
  return requestPriority < priorityOf(p, inService) ? (requestPriority + p.priorityAdd) & 7 : -1
}

function isLevel(p: Pic, irq: number): boolean {
  return p.levelMode || (p.elcr & (1 << irq)) !== 0
}

function setInput(p: Pic, irq: number, level: boolean): void {
  const mask = 1 << irq
  if (isLevel(p, irq)) {
    if (level) p.irr |= mask
    else p.irr &= ~mask
  } else if (level) {
    if ((p.lastIrr & mask) === 0) p.irr |= mask
  }
  if (level) p.lastIrr |= mask
  else p.lastIrr &= ~mask
}

/** The INTA cycle on one PIC for `irq`. */
function acknowledgeIrq(p: Pic, irq: number): void {
  if (p.autoEoi) {
    if (p.rotateOnAutoEoi) p.priorityAdd = (irq + 1) & 7
  } else {
    p.isr |= 1 << irq
  }
  // Edge-triggered requests are consumed by the acknowledge; level ones follow the input.
  if (!isLevel(p, irq)) p.irr &= ~(1 << irq)
}

function writeCommand(p: Pic, value: number): void {
  if (value & 0x10) {
    // ICW1: initialisation starts; IMR, ISR, IRR edge memory and modes are cleared.
    const elcr = p.elcr
    resetPic(p, true)
    p.elcr = elcr
    p.icw4Needed = (value & 0x01) !== 0
    p.singleMode = (value & 0x02) !== 0
    p.levelMode = (value & 0x08) !== 0
    p.initState = 1
    return
  }
  if (value & 0x08) {
    // OCW3
    if (value & 0x04) p.poll = true
    if (value & 0x02) p.readIsr = (value & 0x01) !== 0
    if (value & 0x40) p.specialMask = (value & 0x20) !== 0
    return
  }
  // OCW2
  const command = value >> 5
  switch (command) {
    case 0:
      p.rotateOnAutoEoi = false
      break
    case 4:
      p.rotateOnAutoEoi = true
      break
    case 1:
    case 5: {
      const priority = priorityOf(p, p.isr)
      if (priority === 8) break
      const irq = (priority + p.priorityAdd) & 7
      p.isr &= ~(1 << irq)
      if (command === 5) p.priorityAdd = (irq + 1) & 7
      break
    }
    case 3:
      p.isr &= ~(1 << (value & 7))
      break
    case 6:
      p.priorityAdd = (value + 1) & 7
      break
    case 7:
      p.isr &= ~(1 << (value & 7))
      p.priorityAdd = ((value & 7) + 1) & 7
      break
    default:
      break
  }
}

function writeData(p: Pic, value: number): void {
  switch (p.initState) {
    case 1:
      p.vectorBase = value & 0xf8
      p.initState = p.singleMode ? (p.icw4Needed ? 3 : 0) : 2
      return
    case 2:
      p.initState = p.icw4Needed ? 3 : 0
      return
    case 3:
      p.specialFullyNested = (value & 0x10) !== 0
      p.autoEoi = (value & 0x02) !== 0
      p.initState = 0
      return
    default:
      p.imr = value
  }
}

/** The i8259 pair: device name `i8259` (VirtualBox's name). */
export const i8259Pic = defineDevice({
  name: 'i8259',
  description: 'Intel 8259A interrupt controller pair with ELCR',
  maxInstances: 1,
  config: {
    masterBase: { type: 'u16', default: 0x20 },
    slaveBase: { type: 'u16', default: 0xa0 },
    elcrBase: { type: 'u16', default: 0x4d0 },
    /** Be the CPU's interrupt source (false when a local APIC takes that role and asks the PIC via ExtINT). */
    cpuFacing: { type: 'bool', default: true },
  },
  savedState: i8259State,
  create(ctx, config) {
    const state = i8259State.initial()
    const [master, slave] = state.pics as [Pic, Pic]
    let outputHigh = false
    let notify: () => void = () => {}

    /** Recomputes the cascade (slave output → master IRQ2) and the INTR output. */
    function update(): void {
      // The cascade input follows the slave's INT output as a level, so a slave request that vanishes before
      // INTA leaves no stale IRQ2 behind (the 8259A would answer with a spurious IRQ7).
      if (pendingIrq(slave, false) >= 0) master.irr |= 1 << 2
      else master.irr &= ~(1 << 2)
      const high = pendingIrq(master, true) >= 0
      if (high && !outputHigh) {
        outputHigh = high
        notify()
      }
      outputHigh = high
    }

    /** INTA: returns the vector and moves the request to in-service. */
    function acknowledge(): number {
      const irq = pendingIrq(master, true)
      let vector: number
      if (irq < 0) {
        vector = master.vectorBase + 7 // spurious IRQ7
      } else {
        acknowledgeIrq(master, irq)
        if (irq === 2) {
          const slaveIrq = pendingIrq(slave, false)
          if (slaveIrq >= 0) {
            acknowledgeIrq(slave, slaveIrq)
            vector = slave.vectorBase + slaveIrq
          } else {
            vector = slave.vectorBase + 7 // spurious IRQ15
          }
        } else {
          vector = master.vectorBase + irq
        }
      }
      update()
      return vector & 0xff
    }

    /** Poll command read: 0x80 | irq when one is pending (and acknowledged), else 0. */
    function pollRead(p: Pic, isMaster: boolean): number {
      p.poll = false
      const irq = pendingIrq(p, isMaster)
      if (irq < 0) return 0
      acknowledgeIrq(p, irq)
      update()
      return 0x80 | irq
    }

    const source: InterruptSource = {
      hasInterrupt: () => outputHigh,
      acknowledge,
      hasNmi: () => false,
      acknowledgeNmi: () => {},
    }
    const role = ctx.interruptController({
      receiver: {
        setIrqLevel(line, level) {
          if (line >= 16) return
          setInput(line < 8 ? master : slave, line & 7, level)
          update()
        },
      },
      ...(config.cpuFacing ? { cpu: source } : {}),
    })
    const changeListeners: (() => void)[] = []
    notify = () => {
      role.changed()
      for (const l of changeListeners) l()
    }
    // For a local APIC: the INTR output and INTA through LINT0 in ExtINT mode (virtual wire).
    ctx.provide(extIntContract, {
      hasInterrupt: () => outputHigh,
      acknowledge,
      onChange: (listener) => changeListeners.push(listener),
    })

    const picPorts = (p: Pic, isMaster: boolean) => ({
      sizes: [1] as const,
      read(offset: number): number {
        if (p.poll) return pollRead(p, isMaster)
        return offset === 0 ? (p.readIsr ? p.isr : p.irr) : p.imr
      },
      write(offset: number, value: number): void {
        if (offset === 0) writeCommand(p, value)
        else writeData(p, value)
        update()
      },
    })
    ctx.ioPorts(2, picPorts(master, true), 'i8259 master').map(config.masterBase)
    ctx.ioPorts(2, picPorts(slave, false), 'i8259 slave').map(config.slaveBase)
    ctx
      .ioPorts(
        2,
        {
          sizes: [1],
          read: (offset) => state.pics[offset]!.elcr,
          write(offset, value) {
            const p = state.pics[offset]!
            p.elcr = value & ELCR_MASK[offset as 0 | 1]
            update()
          },
        },
        'i8259 ELCR',
      )
      .map(config.elcrBase)

    return {
      state,
      reset() {
        // The ELCR is a PIIX3 register: cleared on power-on and hard reset alike.
        resetPic(master, false)
        resetPic(slave, false)
        outputHigh = false
      },
      afterLoad() {
        // Input levels are re-driven by the devices' afterLoad; lastIrr keeps edges from doubling.
        outputHigh = pendingIrq(master, true) >= 0
        if (outputHigh) notify()
      },
    }
  },
})
