/**
 * Contracts between the interrupt controllers of the APIC platform: the APIC bus (I/O APIC → local APIC
 * messages and the local APIC's EOI broadcast back), and the legacy PIC's INTR/INTA as an ExtINT source for
 * the local APIC's LINT0. Spec: Intel SDM vol. 3A §11.6 (local APIC interrupt acceptance), 82093AA I/O APIC
 * datasheet §3.2.4 (redirection delivery modes), MultiProcessor Specification 1.4 §3.6.2.2 (virtual wire).
 */
import { defineContract } from '@boxwood/vmm/device-api'

/** Delivery modes of an APIC message (ICR / redirection entry bits 8–10). */
export type ApicDeliveryMode = 'fixed' | 'lowest' | 'smi' | 'nmi' | 'init' | 'startup' | 'extint'

/** An interrupt message for the local APIC. */
export interface ApicMessage {
  readonly vector: number
  readonly mode: ApicDeliveryMode
  readonly levelTriggered: boolean
  /** Physical or logical destination as programmed (the single local APIC accepts its own ID or broadcast). */
  readonly destination: number
  readonly logical: boolean
}

/** The local APIC as the I/O APIC sees it. */
export interface ApicBus {
  /** Delivers a message; returns false when no local APIC accepted it. */
  deliver(message: ApicMessage): boolean
  /** Registers the listener told the vector of every EOI for a level-triggered interrupt. */
  onEoi(listener: (vector: number) => void): void
}

/** The legacy 8259's INTR output and INTA cycle (for LINT0 in ExtINT mode). */
export interface ExtIntSource {
  hasInterrupt(): boolean
  acknowledge(): number
  /** Called when the INTR output may have risen. */
  onChange(listener: () => void): void
}

export const apicBusContract = defineContract<ApicBus>(
  'ApicBus',
  (v): v is ApicBus => typeof v === 'object' && v !== null && typeof (v as ApicBus).deliver === 'function',
)

export const extIntContract = defineContract<ExtIntSource>(
  'ExtIntSource',
  (v): v is ExtIntSource =>
    typeof v === 'object' && v !== null && typeof (v as ExtIntSource).acknowledge === 'function',
)

/** Decodes delivery-mode bits 8–10. */
export function deliveryModeOf(bits: number): ApicDeliveryMode {
  return (['fixed', 'lowest', 'smi', 'fixed', 'nmi', 'init', 'startup', 'extint'] as const)[bits & 7]!
}
