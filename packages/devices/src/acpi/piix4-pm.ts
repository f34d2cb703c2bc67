/**
 * ACPI power management I/O in the style of the PIIX4 PM function: PM1 status/enable/control (power button,
 * timer overflow, global and RTC status; SLP_TYP/SLP_EN sleep requests: S5 powers the machine off), the
 * 3.579545 MHz 24-bit PM timer, a GPE0 block, and the SCI on IRQ9 (level). Spec: ACPI 6.5 §4.8.3 (PM1 event
 * and control registers, PM timer), PIIX4 datasheet §7.2 (PMBA register block, SLP_TYP encoding). Follows
 * VirtualBox src/VBox/Devices/PC/DevACPI.cpp (fixed-feature registers) and QEMU hw/acpi/piix4.c.
 */
import { defineContract, defineDevice, defineState, i64, u16 } from '@boxwood/vmm/device-api'

/** PM timer frequency (ACPI: 3.579545 MHz). */
export const PM_TIMER_HZ = 3_579_545
const NS_PER_S = 1_000_000_000
const STS = { TMR: 0x0001, BM: 0x0010, GBL: 0x0020, PWRBTN: 0x0100, RTC: 0x0400, WAK: 0x8000 } as const
const CNT = { SCI_EN: 0x0001, SLP_EN: 0x2000 } as const

/** The host side of the ACPI buttons (pass at LUN 0; the device connects its power-button press). */
export interface AcpiButtons {
  connect(device: { pressPowerButton(): void }): () => void
}

/** The LUN contract of {@link AcpiButtons}. */
export const acpiButtonsContract = defineContract<AcpiButtons>(
  'AcpiButtons',
  (value): value is AcpiButtons =>
    typeof value === 'object' && value !== null && typeof (value as AcpiButtons).connect === 'function',
)

/** Creates the host's ACPI button panel: `pressPowerButton()` works once the machine exists. */
export function createAcpiButtons(): AcpiButtons & { pressPowerButton(): boolean } {
  let device: { pressPowerButton(): void } | undefined
  return {
    connect(d) {
      device = d
      return () => {
        if (device === d) device = undefined
      }
    },
    pressPowerButton() {
      if (!device) return false
      device.pressPowerButton()
      return true
    },
  }
}

export const piix4PmState = defineState({
  unit: 'acpi',
  version: 1,
  fields: {
    pm1Status: u16,
    pm1Enable: u16,
    pm1Control: u16,
    gpeStatus: u16,
    gpeEnable: u16,
    /** Next time the timer's bit 23 toggles (TMR_STS), -1 when not armed. */
    timerDeadlineNs: i64,
  },
  config: { pmBase: u16 },
})

/** The ACPI PM block: device name `acpi` (VirtualBox's name). */
export const piix4Pm = defineDevice({
  name: 'acpi',
  description: 'ACPI PM I/O (PIIX4 style): PM1 events/control, PM timer, GPE0, SCI',
  maxInstances: 1,
  config: {
    pmBase: { type: 'u16', default: 0x600 },
    sciIrq: { type: 'u8', default: 9, max: 23 },
    /** SLP_TYP that means S5 soft-off (PIIX4: 0; must match the DSDT's \_S5). */
    s5SleepType: { type: 'u8', default: 0, max: 7 },
  },
  savedState: piix4PmState,
  create(ctx, config) {
    const state = piix4PmState.initial()
    const sci = ctx.irq(config.sciIrq)
    const ticks = (): number => Math.floor((ctx.clock.nowNs() * PM_TIMER_HZ) / NS_PER_S)
    const overflow = ctx.timer('pm-timer-overflow', () => {
      state.pm1Status |= STS.TMR
      updateSci()
      armOverflow()
    })

    function armOverflow(): void {
      // The status bit sets whenever bit 23 of the counter toggles: every 2^23 ticks (≈ 2.34 s).
      const next = (Math.floor(ticks() / 0x80_0000) + 1) * 0x80_0000
      state.timerDeadlineNs = Math.ceil((next * NS_PER_S) / PM_TIMER_HZ)
      overflow.armAt(state.timerDeadlineNs)
    }

    function updateSci(): void {
      const pm1 = state.pm1Status & state.pm1Enable & (STS.TMR | STS.GBL | STS.PWRBTN | STS.RTC)
      const gpe = state.gpeStatus & state.gpeEnable
      if ((pm1 || gpe) && state.pm1Control & CNT.SCI_EN) sci.raise()
      else sci.lower()
    }

    function writeControl(value: number): void {
      state.pm1Control = value & ~CNT.SLP_EN
      if (value & CNT.SLP_EN) {
        const type = (value >> 10) & 7
        if (type === config.s5SleepType) {
          ctx.log.info('ACPI S5: powering off')
          ctx.machine.requestPowerOff()
        } else {
          // Other sleep states wake at once (no suspend support): report the wake.
          state.pm1Status |= STS.WAK
        }
      }
      updateSci()
    }

    function read(offset: number, size: 1 | 2 | 4): number {
      let value: number
      if (offset >= 8 && offset < 12) {
        const t = ticks() & 0xff_ffff
        value = Math.floor(t / 2 ** ((offset - 8) * 8))
      } else {
        const word =
          offset < 2
            ? state.pm1Status
            : offset < 4
              ? state.pm1Enable
              : offset < 6
                ? state.pm1Control
                : offset >= 0x0c && offset < 0x0e
                  ? state.gpeStatus
                  : offset >= 0x0e && offset < 0x10
                    ? state.gpeEnable
                    : 0
        value = offset & 1 ? word >> 8 : word
      }
      return size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)
    }

    function write(offset: number, value: number, size: 1 | 2 | 4): void {
      // Registers are 16-bit; byte writes to one half keep the other.
      const merge = (old: number) =>
        size === 1 ? (offset & 1 ? (old & 0x00ff) | (value << 8) : (old & 0xff00) | value) : value & 0xffff
      const clearBits = (old: number) => old & ~(size === 1 ? (offset & 1 ? value << 8 : value) : value)
      if (offset < 2) state.pm1Status = clearBits(state.pm1Status) & 0xffff
      else if (offset < 4) state.pm1Enable = merge(state.pm1Enable)
      else if (offset < 6) writeControl(merge(state.pm1Control))
      else if (offset >= 0x0c && offset < 0x0e) state.gpeStatus = clearBits(state.gpeStatus) & 0xffff
      else if (offset >= 0x0e && offset < 0x10) state.gpeEnable = merge(state.gpeEnable)
      updateSci()
    }

    ctx
      .ioPorts(
        0x40,
        {
          sizes: [1, 2, 4],
          read: (o, s) => read(o, s),
          write: (o, v, s) => {
            if (size4Split(o, v, s)) return
            write(o, v, s)
          },
        },
        'ACPI PM I/O',
      )
      .map(config.pmBase)

    /** A 32-bit write to the PM1 event block covers status (low) and enable (high). */
    function size4Split(offset: number, value: number, size: 1 | 2 | 4): boolean {
      if (size !== 4) return false
      write(offset, value & 0xffff, 2)
      write(offset + 2, value >>> 16, 2)
      return true
    }

    const buttons = ctx.attach(0, acpiButtonsContract)
    const disconnect = buttons?.connect({
      pressPowerButton() {
        state.pm1Status |= STS.PWRBTN
        updateSci()
      },
    })

    return {
      state,
      reset() {
        state.pm1Status = 0
        state.pm1Enable = 0
        state.pm1Control = CNT.SCI_EN
        state.gpeStatus = 0
        state.gpeEnable = 0
        state.timerDeadlineNs = -1
        overflow.cancel()
      },
      afterReset() {
        armOverflow()
      },
      afterLoad() {
        if (state.timerDeadlineNs >= 0) overflow.armAt(state.timerDeadlineNs)
        updateSci()
      },
      destroy() {
        disconnect?.()
      },
    }
  },
})
