// The contract between the CPU and the interrupt controllers (PIC now, APIC later): the INTR and NMI lines.

/**
 * What the CPU samples at instruction boundaries. The device layer implements it (the i8259 pair, later the
 * local APIC); the VMM routes device IRQ lines to it.
 */
export interface InterruptSource {
  /** True while INTR is asserted. The CPU takes it only when EFLAGS.IF = 1 and no interrupt shadow is active. */
  hasInterrupt(): boolean
  /** The INTA cycle: returns the vector (0–255) and moves the request to in-service in the controller. */
  acknowledge(): number
  /** True while an NMI is pending (edge-latched by the platform). */
  hasNmi(): boolean
  /** Clears the latched NMI once the CPU delivers it. */
  acknowledgeNmi(): void
  /** True when this controller is the processor's local APIC (CPUID.01h:EDX.APIC reports it to the guest). */
  readonly localApic?: boolean
}
