// Just enough of an 8259 PIC and of 8254 PIT channel 0 for the Bochs ordering scenarios to raise one timer
// interrupt in Boxwood's test machine (vmm tests cannot use the device models, which live a layer up): ICW1–ICW4
// and the mask on ports 20h/21h, the IRR read (OCW3 0Ah) and non-specific EOI; a channel-0 count written to port
// 40h makes IRQ 0 pending at once. Bochs runs its real PIC and PIT, so the guest waits for IRR either way.
import type { AccessSize } from '../../src/io/io-bus'
import type { InterruptSource } from '../../src/irq/interrupt-source'
import type { BoxwoodDevices } from '../qemu-diff/run-both'

/** A fresh PIC/PIT pair as `runBoxwood` devices. */
export function oneShotPic(): BoxwoodDevices {
  let base = 8
  let mask = 0xff
  let irr = 0
  let isr = 0
  let icw = 0
  let readIrr = false
  let countBytes = 0
  const interrupts: InterruptSource = {
    hasInterrupt: () => (irr & ~mask & 1) !== 0 && isr === 0,
    acknowledge: () => {
      irr = 0
      isr = 1
      return base
    },
    hasNmi: () => false,
    acknowledgeNmi: () => {},
  }
  return {
    interrupts,
    ioRead: (port: number, _size: AccessSize) => (port === 0x20 ? (readIrr ? irr : isr) : undefined),
    ioWrite: (port: number, value: number) => {
      if (port === 0x20) {
        if ((value & 0x10) !== 0)
          icw = 2 // ICW1: ICW2–ICW4 follow on port 21h
        else if ((value & 0x18) === 0x08)
          readIrr = (value & 3) === 2 // OCW3
        else if ((value & 0xe0) === 0x20) isr = 0 // non-specific EOI
      } else if (port === 0x21) {
        if (icw === 2) base = value & 0xf8
        if (icw > 0) icw = icw === 4 ? 0 : icw + 1
        else mask = value
      } else if (port === 0x43) countBytes = 0
      else if (port === 0x40 && ++countBytes === 2) irr |= 1
    },
  }
}
