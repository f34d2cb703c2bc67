// Errors thrown by the VRDE servers; each carries a stable `code` for callers and logs.

/** The codes a {@link VrdeError} can carry. */
export type VrdeErrorCode =
  | 'PROTOCOL' // a client sent bytes that break the protocol (bad length, unknown message, wrong order)
  | 'TOO_LARGE' // a client message exceeds the size this server accepts
  | 'AUTH_FAILED' // wrong credentials
  | 'AUTH_UNSUPPORTED' // an auth type that is reserved or not available (Guest)
  | 'REFUSED' // connection policy refused the client (limit reached, single connection in use)
  | 'CONFIG' // invalid VRDE settings
  | 'NO_FREE_PORT' // none of the configured ports could be bound
  | 'CERTIFICATE' // the TLS certificate could not be loaded or generated
  | 'CLOSED' // the connection closed while work for it was under way

/** Base error of `@boxwood/vrde`. */
export class VrdeError extends Error {
  readonly code: VrdeErrorCode
  constructor(code: VrdeErrorCode, message: string) {
    super(message)
    this.name = 'VrdeError'
    this.code = code
  }
}

/** A client broke the protocol; the server closes that one connection with this as the logged reason. */
export class ProtocolError extends VrdeError {
  constructor(message: string, code: 'PROTOCOL' | 'TOO_LARGE' = 'PROTOCOL') {
    super(code, message)
    this.name = 'ProtocolError'
  }
}

/** The VRDE settings are invalid. */
export class VrdeConfigError extends VrdeError {
  constructor(message: string) {
    super('CONFIG', message)
    this.name = 'VrdeConfigError'
  }
}
