// Helpers for the `as const` enumeration objects that mirror VirtualBox.xidl enums (no TS `enum`: erasableSyntaxOnly).

/** The numeric value type of an `as const` enumeration object. */
export type EnumValue<T extends Record<string, number>> = T[keyof T]

/**
 * Returns the member name of `value` in `enumObject` (first match, so aliases such as FirstOnline lose to the
 * real member when declared after it), or undefined when the value is not a member.
 */
export function enumName<T extends Record<string, number>>(enumObject: T, value: number): keyof T | undefined {
  for (const key of Object.keys(enumObject)) if (enumObject[key] === value) return key as keyof T
  return undefined
}

/** True when `value` is one of the members of `enumObject`. */
export function isEnumValue<T extends Record<string, number>>(enumObject: T, value: unknown): value is EnumValue<T> {
  return typeof value === 'number' && Object.values(enumObject).includes(value)
}
