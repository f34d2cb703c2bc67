// Guest exceptions raised while executing an instruction. One preallocated object is thrown (never allocated
// per fault) and the run loop delivers the vector recorded on the CPU.

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
