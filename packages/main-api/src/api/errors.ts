// Typed API errors carrying VirtualBox result codes (VirtualBox.xidl result codes, IVirtualBoxErrorInfo; vbox-api.md §2.0, §2.16).

/** VirtualBox result codes (HRESULT values) used by the Main API. */
export const ResultCode = {
  S_OK: 0,
  VBOX_E_OBJECT_NOT_FOUND: 0x80bb0001,
  VBOX_E_INVALID_VM_STATE: 0x80bb0002,
  VBOX_E_VM_ERROR: 0x80bb0003,
  VBOX_E_FILE_ERROR: 0x80bb0004,
  VBOX_E_IPRT_ERROR: 0x80bb0005,
  VBOX_E_PDM_ERROR: 0x80bb0006,
  VBOX_E_INVALID_OBJECT_STATE: 0x80bb0007,
  VBOX_E_HOST_ERROR: 0x80bb0008,
  VBOX_E_NOT_SUPPORTED: 0x80bb0009,
  VBOX_E_XML_ERROR: 0x80bb000a,
  VBOX_E_INVALID_SESSION_STATE: 0x80bb000b,
  VBOX_E_OBJECT_IN_USE: 0x80bb000c,
  VBOX_E_PASSWORD_INCORRECT: 0x80bb000d,
  VBOX_E_MAXIMUM_REACHED: 0x80bb000e,
  VBOX_E_GSTCTL_GUEST_ERROR: 0x80bb000f,
  VBOX_E_TIMEOUT: 0x80bb0010,
  VBOX_E_DND_ERROR: 0x80bb0011,
  VBOX_E_PLATFORM_ARCH_NOT_SUPPORTED: 0x80bb0012,
  VBOX_E_RECORDING_ERROR: 0x80bb0013,
  E_INVALIDARG: 0x80070057,
  E_FAIL: 0x80004005,
  E_NOTIMPL: 0x80004001,
  E_ACCESSDENIED: 0x80070005,
  E_POINTER: 0x80004003,
  E_OUTOFMEMORY: 0x8007000e,
  E_UNEXPECTED: 0x8000ffff,
} as const
/** Names of the result codes, for error messages and `error.code`. */
export type ResultCodeName = keyof typeof ResultCode

/** Plain, serialisable form of an error (IVirtualBoxErrorInfo): crosses the service socket unchanged. */
export interface VirtualBoxErrorInfo {
  readonly resultCode: number
  readonly code: ResultCodeName
  readonly text: string
  readonly component: string
  readonly next?: VirtualBoxErrorInfo
}

/**
 * Every failing API call rejects with a VBoxError. `code` is the stable result-code name (e.g.
 * 'VBOX_E_OBJECT_NOT_FOUND'), `resultCode` the numeric HRESULT, `component` the object family that failed.
 */
export class VBoxError extends Error {
  readonly code: ResultCodeName
  readonly resultCode: number
  readonly component: string
  readonly next: VirtualBoxErrorInfo | undefined

  constructor(code: ResultCodeName, text: string, component = 'VirtualBox', next?: VirtualBoxErrorInfo) {
    super(text)
    this.name = 'VBoxError'
    this.code = code
    this.resultCode = ResultCode[code]
    this.component = component
    this.next = next
  }

  /** The IVirtualBoxErrorInfo view of this error. */
  toErrorInfo(): VirtualBoxErrorInfo {
    const info = { resultCode: this.resultCode, code: this.code, text: this.message, component: this.component }
    return this.next === undefined ? info : { ...info, next: this.next }
  }

  /** Rebuilds an error from its IVirtualBoxErrorInfo form (used by the service client). */
  static fromErrorInfo(info: VirtualBoxErrorInfo): VBoxError {
    return new VBoxError(info.code, info.text, info.component, info.next)
  }
}

/** Wraps any thrown value as a VBoxError (non-API errors become VBOX_E_IPRT_ERROR or VBOX_E_FILE_ERROR). */
export function toVBoxError(error: unknown, component = 'VirtualBox'): VBoxError {
  if (error instanceof VBoxError) return error
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).code
    const code: ResultCodeName =
      typeof errno === 'string' && errno.startsWith('E') ? 'VBOX_E_FILE_ERROR' : 'VBOX_E_IPRT_ERROR'
    return new VBoxError(code, error.message, component)
  }
  return new VBoxError('E_FAIL', String(error), component)
}
