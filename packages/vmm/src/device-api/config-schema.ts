// Device configuration schemas (VirtualBox CFGM keys + PDMDEV_VALIDATE_CONFIG_RETURN): every key is declared
// with its type and default; unknown keys and ill-typed values are rejected with a message naming the key.

/** The value types a config key may have. */
export type ConfigKeyType = 'u8' | 'u16' | 'u32' | 'i32' | 'number' | 'bool' | 'string' | 'bytes'

/** The TypeScript type of a {@link ConfigKeyType}. */
export type ConfigValueOf<T extends ConfigKeyType> = T extends 'bool'
  ? boolean
  : T extends 'string'
    ? string
    : T extends 'bytes'
      ? Uint8Array
      : number

/** Declaration of one config key. Without `default` and `optional`, the key is required. */
export interface ConfigKey<T extends ConfigKeyType = ConfigKeyType> {
  readonly type: T
  readonly default?: ConfigValueOf<T>
  /** The key may be absent; the device then sees `undefined`. */
  readonly optional?: boolean
  /** Inclusive numeric bounds (on top of the type's own range). */
  readonly min?: number
  readonly max?: number
  readonly description?: string
}

/** A device's config schema: key name → declaration. */
export type ConfigSchema = Readonly<Record<string, ConfigKey>>

/** The resolved config object a device's `create` receives. */
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends ConfigKey<infer T>
    ? S[K] extends { readonly default: unknown }
      ? ConfigValueOf<T>
      : S[K] extends { readonly optional: true }
        ? ConfigValueOf<T> | undefined
        : ConfigValueOf<T>
    : never
}

/** A config value is missing, unknown or of the wrong type. */
export class DeviceConfigError extends Error {
  override readonly name = 'DeviceConfigError'
  readonly code: 'CONFIG_UNKNOWN_KEY' | 'CONFIG_MISSING_KEY' | 'CONFIG_TYPE'
  readonly key: string
  constructor(code: 'CONFIG_UNKNOWN_KEY' | 'CONFIG_MISSING_KEY' | 'CONFIG_TYPE', key: string, message: string) {
    super(message)
    this.code = code
    this.key = key
  }
}

const RANGES: Partial<Record<ConfigKeyType, readonly [number, number]>> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffff_ffff],
  i32: [-0x8000_0000, 0x7fff_ffff],
}

function checkValue(device: string, key: string, decl: ConfigKey, value: unknown): void {
  const fail = (why: string) => {
    throw new DeviceConfigError('CONFIG_TYPE', key, `${device}: config key ${key} ${why}`)
  }
  switch (decl.type) {
    case 'bool':
      if (typeof value !== 'boolean') fail(`must be a boolean, got ${typeof value}`)
      return
    case 'string':
      if (typeof value !== 'string') fail(`must be a string, got ${typeof value}`)
      return
    case 'bytes':
      if (!(value instanceof Uint8Array)) fail('must be a Uint8Array')
      return
    default: {
      if (typeof value !== 'number' || Number.isNaN(value)) return fail(`must be a number, got ${String(value)}`)
      const range = RANGES[decl.type]
      if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
        fail(`must be a ${decl.type}, got ${value}`)
      }
      if ((decl.min !== undefined && value < decl.min) || (decl.max !== undefined && value > decl.max)) {
        fail(`must be within ${decl.min ?? '-∞'}..${decl.max ?? '∞'}, got ${value}`)
      }
    }
  }
}

/** Validates `raw` against `schema` and fills defaults. Throws {@link DeviceConfigError} on any problem. */
export function resolveConfig<S extends ConfigSchema>(
  device: string,
  schema: S,
  raw: Readonly<Record<string, unknown>> = {},
): ConfigOf<S> {
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(schema, key)) {
      const known = Object.keys(schema).join(', ') || 'none'
      throw new DeviceConfigError('CONFIG_UNKNOWN_KEY', key, `${device}: unknown config key ${key} (known: ${known})`)
    }
  }
  const out: Record<string, unknown> = {}
  for (const [key, decl] of Object.entries(schema)) {
    const given = raw[key]
    if (given === undefined) {
      if (decl.default !== undefined) out[key] = decl.default
      else if (!decl.optional) {
        throw new DeviceConfigError('CONFIG_MISSING_KEY', key, `${device}: required config key ${key} is missing`)
      }
      continue
    }
    checkValue(device, key, decl, given)
    out[key] = given
  }
  return out as ConfigOf<S>
}
