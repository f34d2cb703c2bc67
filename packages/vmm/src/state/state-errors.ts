// Errors of saved state (VirtualBox SSM's VERR_SSM_* family): every one carries a stable `code`.

/** Stable codes of saved-state errors. */
export type SavedStateErrorCode =
  | 'SAVED_STATE_MAGIC'
  | 'SAVED_STATE_FORMAT_VERSION'
  | 'SAVED_STATE_TRUNCATED'
  | 'SAVED_STATE_TRAILING'
  | 'SAVED_STATE_CRC'
  | 'SAVED_STATE_UNIT_COUNT'
  | 'SAVED_STATE_VALUE'
  | 'SAVED_STATE_ENCODE'
  | 'SAVED_STATE_VERSION'
  | 'SAVED_STATE_CONFIG_MISMATCH'
  | 'SAVED_STATE_UNKNOWN_UNIT'
  | 'SAVED_STATE_MISSING_UNIT'
  | 'SAVED_STATE_DUPLICATE_UNIT'
  | 'SAVED_STATE_SCHEMA'

/** Base class of every saved-state error. */
export class SavedStateError extends Error {
  override readonly name: string = 'SavedStateError'
  readonly code: SavedStateErrorCode
  constructor(code: SavedStateErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** The stream is malformed: wrong magic, truncated, CRC mismatch, bad values. */
export class SavedStateFormatError extends SavedStateError {
  override readonly name = 'SavedStateFormatError'
}

/** A unit's version is outside the schema's `minVersion..version`. */
export class SavedStateVersionError extends SavedStateError {
  override readonly name = 'SavedStateVersionError'
  readonly unit: string
  readonly version: number
  readonly minVersion: number
  readonly maxVersion: number
  constructor(unit: string, version: number, minVersion: number, maxVersion: number) {
    super('SAVED_STATE_VERSION', `unit ${unit}: version ${version} is outside ${minVersion}..${maxVersion}`)
    this.unit = unit
    this.version = version
    this.minVersion = minVersion
    this.maxVersion = maxVersion
  }
}

/** The saved configuration differs from the live one ("Config mismatch" in VirtualBox devices). */
export class SavedStateConfigMismatchError extends SavedStateError {
  override readonly name = 'SavedStateConfigMismatchError'
  readonly unit: string
  readonly key: string
  readonly saved: unknown
  readonly live: unknown
  constructor(unit: string, key: string, saved: unknown, live: unknown) {
    super(
      'SAVED_STATE_CONFIG_MISMATCH',
      `unit ${unit}: config mismatch - ${key}: saved ${fmt(saved)}, config ${fmt(live)}`,
    )
    this.unit = unit
    this.key = key
    this.saved = saved
    this.live = live
  }
}

/** A unit in the stream has no owner, an owner has no unit, or a unit appears twice. */
export class SavedStateUnitError extends SavedStateError {
  override readonly name = 'SavedStateUnitError'
}

/** A state value does not fit its schema type at save time (a device bug, reported with the field path). */
export class SavedStateEncodeError extends SavedStateError {
  override readonly name = 'SavedStateEncodeError'
}

function fmt(value: unknown): string {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? `0x${value.toString(16)}` : String(value)
}
