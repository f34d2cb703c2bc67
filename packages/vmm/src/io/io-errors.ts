// Errors of the I/O port space (VirtualBox IOMR3IoPort.cpp rules: strict registration, clear failures).

/** Stable codes of {@link IoPortRegistrationError}. */
export type IoPortErrorCode =
  'IOPORT_OVERLAP' | 'IOPORT_RANGE' | 'IOPORT_DESCRIPTION' | 'IOPORT_NO_HANDLER' | 'IOPORT_FROZEN' | 'IOPORT_NOT_MAPPED'

/** A port range could not be created, mapped or unmapped. */
export class IoPortRegistrationError extends Error {
  override readonly name = 'IoPortRegistrationError'
  readonly code: IoPortErrorCode
  constructor(code: IoPortErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
