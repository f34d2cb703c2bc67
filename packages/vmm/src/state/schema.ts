// Declarative saved-state schemas (QEMU VMStateDescription, VirtualBox SSMFIELD tables): one declaration gives
// the save order, load order, defaults and version history. Encoding: fields in declaration order,
// little-endian, no padding; optional blocks carry a presence byte.
import { ByteReader, ByteWriter } from './byte-stream'
import { deepCopy, utf8Decode, utf8Encode } from './plain-data'
import {
  SavedStateConfigMismatchError,
  SavedStateEncodeError,
  SavedStateError,
  SavedStateFormatError,
  SavedStateVersionError,
} from './state-errors'

/** How one type is written and read. `current` is the live value being loaded into (kept for in-place loads). */
interface Codec<T> {
  readonly kind: string
  initial(): T
  encode(w: ByteWriter, value: T, path: string, version: number): void
  decode(r: ByteReader, current: T | undefined, version: number, path: string): T
}

/** A field of a schema; `.since()`, `.removed()` and `.optional()` derive evolved copies. */
export class Field<T> {
  /** @internal */
  readonly codec: Codec<T>
  /** First unit version that holds this field (0: all). */
  readonly sinceVersion: number
  /** The value an older stream (version < sinceVersion) loads as. */
  readonly sinceDefault: T | undefined
  /** When set, the field is saved only if this returns true for the containing object (QEMU subsection). */
  readonly presentWhen: ((container: never) => boolean) | undefined

  /** @internal */
  constructor(
    codec: Codec<T>,
    sinceVersion = 0,
    sinceDefault: T | undefined = undefined,
    presentWhen: ((container: never) => boolean) | undefined = undefined,
  ) {
    this.codec = codec
    this.sinceVersion = sinceVersion
    this.sinceDefault = sinceDefault
    this.presentWhen = presentWhen
  }

  get kind(): string {
    return this.codec.kind
  }

  /** A field added in unit version `version`: streams older than that load `defaultValue`. */
  since(version: number, defaultValue: T): Field<T> {
    return new Field(this.codec, version, defaultValue, this.presentWhen)
  }

  /** A field that existed before unit version `version`: old streams skip it; it is no longer in the state. */
  removed(version: number): RemovedField {
    return new RemovedField(this.codec as Codec<unknown>, this.sinceVersion, version)
  }

  /** An optional block: saved with a presence byte, only when `predicate(container)` is true. */
  optional<C = never>(predicate: (container: C) => boolean): Field<T> {
    return new Field(this.codec, this.sinceVersion, this.sinceDefault, predicate as (container: never) => boolean)
  }
}

/** A retired field (SSMFIELD_ENTRY_OLD): read and discarded from streams older than `removedIn`. */
export class RemovedField {
  readonly removedBrand = true
  /** @internal */
  readonly codec: Codec<unknown>
  readonly sinceVersion: number
  readonly removedIn: number
  /** @internal */
  constructor(codec: Codec<unknown>, sinceVersion: number, removedIn: number) {
    this.codec = codec
    this.sinceVersion = sinceVersion
    this.removedIn = removedIn
  }
}

/** A map of named fields, as passed to {@link struct} and {@link defineState}. */
export type FieldMap = Readonly<Record<string, Field<unknown> | RemovedField>>

/** The plain-data value a field map describes (removed fields excluded). */
export type ValueOf<F extends FieldMap> = {
  -readonly [K in keyof F as F[K] extends RemovedField ? never : K]: F[K] extends Field<infer T> ? T : never
}

function scalar(
  kind: string,
  min: number,
  max: number,
  write: (w: ByteWriter, v: number) => void,
  read: (r: ByteReader) => number,
): Field<number> {
  return new Field<number>({
    kind,
    initial: () => 0,
    encode(w, value, path) {
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: ${String(value)} is not a valid ${kind}`)
      }
      write(w, value)
    },
    decode(r, _current, _version, path) {
      const value = read(r)
      // Only i64 can hold values outside its declared range (beyond 2^53); anything else is exact by width.
      if (value < min || value > max) {
        throw new SavedStateFormatError('SAVED_STATE_VALUE', `${path}: ${value} is not a valid ${kind}`)
      }
      return value
    },
  })
}

/** Unsigned 8-bit integer. */
export const u8 = scalar(
  'u8',
  0,
  0xff,
  (w, v) => w.u8(v),
  (r) => r.u8(),
)
/** Unsigned 16-bit integer. */
export const u16 = scalar(
  'u16',
  0,
  0xffff,
  (w, v) => w.u16(v),
  (r) => r.u16(),
)
/** Unsigned 32-bit integer. */
export const u32 = scalar(
  'u32',
  0,
  0xffffffff,
  (w, v) => w.u32(v),
  (r) => r.u32(),
)
/** Signed 8-bit integer. */
export const i8 = scalar(
  'i8',
  -0x80,
  0x7f,
  (w, v) => w.u8(v & 0xff),
  (r) => (r.u8() << 24) >> 24,
)
/** Signed 16-bit integer. */
export const i16 = scalar(
  'i16',
  -0x8000,
  0x7fff,
  (w, v) => w.u16(v & 0xffff),
  (r) => (r.u16() << 16) >> 16,
)
/** Signed 32-bit integer. */
export const i32 = scalar(
  'i32',
  -0x8000_0000,
  0x7fff_ffff,
  (w, v) => w.i32(v),
  (r) => r.i32(),
)
/** Signed 64-bit integer within the safe-integer range (virtual-clock deadlines in ns). */
export const i64 = scalar(
  'i64',
  Number.MIN_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER,
  (w, v) => w.i64(v),
  (r) => r.i64(),
)

/** IEEE double. */
export const f64 = new Field<number>({
  kind: 'f64',
  initial: () => 0,
  encode(w, value, path) {
    if (typeof value !== 'number') throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: not a number`)
    w.f64(value)
  },
  decode: (r) => r.f64(),
})

/** Boolean, one byte (0 or 1; anything else is a format error). */
export const bool = new Field<boolean>({
  kind: 'bool',
  initial: () => false,
  encode(w, value, path) {
    if (typeof value !== 'boolean') throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: not a boolean`)
    w.u8(value ? 1 : 0)
  },
  decode(r, _current, _version, path) {
    const b = r.u8()
    if (b > 1) throw new SavedStateFormatError('SAVED_STATE_VALUE', `${path}: boolean byte is ${b}`)
    return b === 1
  },
})

/** UTF-8 string of at most 65535 bytes (u16 length prefix). */
export const str = new Field<string>({
  kind: 'str',
  initial: () => '',
  encode(w, value, path) {
    const bytes = utf8Encode(String(value))
    if (bytes.length > 0xffff) throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: string too long`)
    w.u16(bytes.length)
    w.bytes(bytes)
  },
  decode(r, _current, _version, path) {
    const text = utf8Decode(r.bytes(r.u16()))
    if (text === undefined) throw new SavedStateFormatError('SAVED_STATE_VALUE', `${path}: string is not UTF-8`)
    return text
  },
})

/** A fixed-length byte array (device RAM, FIFOs with a separate count); loads in place. */
export function bytes(length: number): Field<Uint8Array> {
  return new Field<Uint8Array>({
    kind: `bytes(${length})`,
    initial: () => new Uint8Array(length),
    encode(w, value, path) {
      if (!(value instanceof Uint8Array) || value.length !== length) {
        throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: expected ${length} bytes`)
      }
      w.bytes(value)
    },
    decode(r, current) {
      const data = r.bytes(length)
      if (current instanceof Uint8Array && current.length === length) {
        current.set(data)
        return current
      }
      return data.slice()
    },
  })
}

/** A variable-length byte array of at most `maxLength` bytes (u32 length prefix). */
export function varBytes(maxLength: number): Field<Uint8Array> {
  return new Field<Uint8Array>({
    kind: `varBytes(${maxLength})`,
    initial: () => new Uint8Array(0),
    encode(w, value, path) {
      if (!(value instanceof Uint8Array) || value.length > maxLength) {
        throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: expected at most ${maxLength} bytes`)
      }
      w.u32(value.length)
      w.bytes(value)
    },
    decode(r, _current, _version, path) {
      const length = r.u32()
      if (length > maxLength) {
        throw new SavedStateFormatError('SAVED_STATE_VALUE', `${path}: length ${length} exceeds ${maxLength}`)
      }
      return r.bytes(length).slice()
    },
  })
}

/** A fixed-length array of one element type; loads element by element in place. */
export function array<T>(length: number, element: Field<T>): Field<T[]> {
  return new Field<T[]>({
    kind: `array(${length}, ${element.kind})`,
    initial: () => Array.from({ length }, () => element.codec.initial()),
    encode(w, value, path, version) {
      if (!Array.isArray(value) || value.length !== length) {
        throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: expected an array of ${length}`)
      }
      for (let i = 0; i < length; i++) element.codec.encode(w, value[i] as T, `${path}[${i}]`, version)
    },
    decode(r, current, version, path) {
      const target = Array.isArray(current) && current.length === length ? current : new Array<T>(length)
      for (let i = 0; i < length; i++) target[i] = element.codec.decode(r, target[i], version, `${path}[${i}]`)
      return target
    },
  })
}

function presentIn(field: Field<unknown> | RemovedField, version: number): boolean {
  if (field.sinceVersion > version) return false
  return !(field instanceof RemovedField) || version < field.removedIn
}

function clone<T>(value: T): T {
  return typeof value === 'object' && value !== null ? deepCopy(value) : value
}

/** @internal Writes a field map (also used for the config section). */
function encodeFields(w: ByteWriter, fields: FieldMap, value: Record<string, unknown>, path: string, version: number) {
  for (const [key, field] of Object.entries(fields)) {
    if (field instanceof RemovedField || field.sinceVersion > version) continue
    const fieldPath = path ? `${path}.${key}` : key
    if (field.presentWhen) {
      const present = (field.presentWhen as (c: unknown) => boolean)(value)
      w.u8(present ? 1 : 0)
      if (!present) continue
    }
    field.codec.encode(w, value[key], fieldPath, version)
  }
}

/** @internal Reads a field map into `target` for a stream of `version`. */
function decodeFields(r: ByteReader, fields: FieldMap, target: Record<string, unknown>, path: string, version: number) {
  for (const [key, field] of Object.entries(fields)) {
    const fieldPath = path ? `${path}.${key}` : key
    if (!presentIn(field, version)) {
      if (field instanceof Field) target[key] = clone(field.sinceVersion > version ? field.sinceDefault : target[key])
      continue
    }
    if (field instanceof RemovedField) {
      field.codec.decode(r, undefined, version, fieldPath)
      continue
    }
    if (field.presentWhen) {
      const flag = r.u8()
      if (flag > 1) throw new SavedStateFormatError('SAVED_STATE_VALUE', `${fieldPath}: presence byte is ${flag}`)
      if (flag === 0) {
        target[key] = field.codec.initial()
        continue
      }
    }
    target[key] = field.codec.decode(r, target[key], version, fieldPath)
  }
}

function initialOf(fields: FieldMap): Record<string, unknown> {
  const value: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(fields)) if (field instanceof Field) value[key] = field.codec.initial()
  return value
}

/** A nested record of fields; loads in place so devices may keep references to sub-objects. */
export function struct<F extends FieldMap>(fields: F): Field<ValueOf<F>> {
  return new Field<ValueOf<F>>({
    kind: 'struct',
    initial: () => initialOf(fields) as ValueOf<F>,
    encode(w, value, path, version) {
      if (typeof value !== 'object' || value === null) {
        throw new SavedStateEncodeError('SAVED_STATE_ENCODE', `${path}: expected an object`)
      }
      encodeFields(w, fields, value as Record<string, unknown>, path, version)
    },
    decode(r, current, version, path) {
      const target = (typeof current === 'object' && current !== null ? current : initialOf(fields)) as Record<
        string,
        unknown
      >
      decodeFields(r, fields, target, path, version)
      return target as ValueOf<F>
    },
  })
}

/** Declaration of a saved-state unit. */
export interface StateDeclaration<F extends FieldMap, C extends FieldMap> {
  /** Unit name (the device name: 'i8254'); 1..63 printable ASCII characters. */
  readonly unit: string
  /** Current version (≥ 1): what is saved. */
  readonly version: number
  /** Oldest version still loadable (default: `version`). */
  readonly minVersion?: number
  readonly fields: F
  /** Config keys saved with the state and compared with the live config on load. */
  readonly config?: C
}

/** A compiled schema: the single source of the unit's bytes. */
export interface StateSchema<S extends object = object, Cfg extends object = object> {
  readonly unit: string
  readonly version: number
  readonly minVersion: number
  /** A fresh state with every field at its initial value (0, false, zero bytes). */
  initial(): S
  /** The unit payload at the current version: the config section then the fields. */
  encode(state: S, config?: Partial<Cfg>): Uint8Array
  /**
   * Loads a payload of unit version `version` into `state` in place. With `liveConfig`, each saved config key
   * is compared and a difference throws {@link SavedStateConfigMismatchError}.
   */
  decodeInto(state: S, payload: Uint8Array, version: number, liveConfig?: Partial<Cfg>): void
  /** A JSON-friendly copy of a state for debugging and diffs (byte arrays become hex strings). */
  toJson(state: S): unknown
}

function checkVersion(what: string, version: number): void {
  if (!Number.isInteger(version) || version < 1 || version > 0xffff_ffff) {
    throw new SavedStateError('SAVED_STATE_SCHEMA', `${what}: version ${String(version)} must be an integer ≥ 1`)
  }
}

function checkFieldVersions(unit: string, fields: FieldMap, version: number): void {
  for (const [key, field] of Object.entries(fields)) {
    if (field.sinceVersion > version) {
      throw new SavedStateError(
        'SAVED_STATE_SCHEMA',
        `unit ${unit}: field ${key} is since ${field.sinceVersion} > ${version}`,
      )
    }
    if (field instanceof RemovedField && field.removedIn > version) {
      throw new SavedStateError(
        'SAVED_STATE_SCHEMA',
        `unit ${unit}: field ${key} removed in ${field.removedIn} > ${version}`,
      )
    }
  }
}

/** Compiles a saved-state declaration (STYLE §3.4). */
export function defineState<F extends FieldMap, C extends FieldMap = Record<never, never>>(
  declaration: StateDeclaration<F, C>,
): StateSchema<ValueOf<F>, ValueOf<C>> {
  const { unit, version, fields } = declaration
  const minVersion = declaration.minVersion ?? version
  const config = (declaration.config ?? {}) as FieldMap
  if (!/^[\x21-\x7e]{1,63}$/.test(unit)) {
    throw new SavedStateError('SAVED_STATE_SCHEMA', `unit name "${unit}" must be 1..63 printable ASCII characters`)
  }
  checkVersion(`unit ${unit}`, version)
  checkVersion(`unit ${unit} minVersion`, minVersion)
  if (minVersion > version) {
    throw new SavedStateError('SAVED_STATE_SCHEMA', `unit ${unit}: minVersion ${minVersion} > version ${version}`)
  }
  checkFieldVersions(unit, fields, version)
  checkFieldVersions(unit, config, version)

  return {
    unit,
    version,
    minVersion,
    initial: () => initialOf(fields) as ValueOf<F>,
    encode(state, cfg) {
      const w = new ByteWriter()
      encodeFields(w, config, (cfg ?? {}) as Record<string, unknown>, 'config', version)
      encodeFields(w, fields, state as Record<string, unknown>, '', version)
      return w.finish()
    },
    decodeInto(state, payload, streamVersion, liveConfig) {
      if (!Number.isInteger(streamVersion) || streamVersion < minVersion || streamVersion > version) {
        throw new SavedStateVersionError(unit, streamVersion, minVersion, version)
      }
      const r = new ByteReader(payload, `unit ${unit}`)
      const savedConfig: Record<string, unknown> = initialOf(config)
      decodeFields(r, config, savedConfig, 'config', streamVersion)
      if (liveConfig) {
        for (const [key, field] of Object.entries(config)) {
          if (!presentIn(field, streamVersion) || field instanceof RemovedField) continue
          const live = (liveConfig as Record<string, unknown>)[key]
          if (live !== undefined && !sameValue(savedConfig[key], live)) {
            throw new SavedStateConfigMismatchError(unit, key, savedConfig[key], live)
          }
        }
      }
      // Decode into a scratch copy first so that a malformed payload leaves the live state untouched.
      const scratch = deepCopy(state) as Record<string, unknown>
      decodeFields(r, fields, scratch, '', streamVersion)
      if (r.remaining !== 0) {
        throw new SavedStateFormatError(
          'SAVED_STATE_TRAILING',
          `unit ${unit}: ${r.remaining} unexpected trailing bytes`,
        )
      }
      const again = new ByteReader(payload, `unit ${unit}`)
      decodeFields(again, config, {}, 'config', streamVersion)
      decodeFields(again, fields, state as Record<string, unknown>, '', streamVersion)
    },
    toJson: (state) => jsonOf(state),
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i])
  }
  return a === b
}

function jsonOf(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')
  if (Array.isArray(value)) return value.map(jsonOf)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonOf(v)]))
  }
  return value
}
