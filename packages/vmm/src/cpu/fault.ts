// Guest exceptions raised while executing an instruction. One preallocated object is thrown (never allocated
// per fault) and the run loop delivers the vector recorded on the CPU. Exception classes: Intel SDM vol. 3A 6.5
// and table 6-1; the resume flag in fault images: SDM vol. 3A 6.12.1 and 17.3.1.1.

/** The object thrown to abort the current instruction with a guest exception; see `Cpu.faultVector`. */
export class GuestFault {
  readonly isGuestFault = true
}

/** The single instance thrown by every guest fault. */
export const GUEST_FAULT = new GuestFault()

/** Thrown when a fault occurs while delivering a double fault: the CPU shuts down (triple fault). */
export class TripleFault {
  readonly isTripleFault = true
}
export const TRIPLE_FAULT = new TripleFault()

/**
 * True when delivering exception `vector` sets RF in the EFLAGS image it pushes (SDM vol. 3A 17.3.1.1): every
 * fault does, so that the handler's IRET restarts the instruction without re-triggering an instruction breakpoint
 * on it. #DB is exempt (an instruction-breakpoint fault leaves RF to its handler; its traps are traps), as are
 * the traps #BP and #OF and the abort #MC. Bochs (cpu/exception.cc) follows the same rule; QEMU's TCG sets RF for
 * no exception.
 */
export function faultSetsResumeFlag(vector: number): boolean {
  return vector !== 1 && vector !== 3 && vector !== 4 && vector !== 18
}
