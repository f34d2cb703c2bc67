// Shared helpers for command definitions: action wrappers and the value parsers VBoxManage applies to option
// values (on|off, integers, enumerations given by their VBoxManage spellings).
import type { Command } from 'commander'
import { UsageError } from './errors'

/** Attaches an async action; a UsageError from it is reported with this command's usage (exit code 2). */
export function onAction(command: Command, run: (...args: never[]) => Promise<void>): Command {
  return command.action(async (...args: unknown[]) => {
    try {
      await run(...(args as never[]))
    } catch (error) {
      if (error instanceof UsageError) Object.assign(error, { command })
      throw error
    }
  })
}

/** Parses `on|off` (also yes/no, true/false, 1/0 like VBoxManage's parseBool). */
export function parseOnOff(value: string, option: string): boolean {
  const v = value.toLowerCase()
  if (['on', 'yes', 'true', '1', 'enable', 'enabled'].includes(v)) return true
  if (['off', 'no', 'false', '0', 'disable', 'disabled'].includes(v)) return false
  throw new UsageError(`Invalid ${option} argument '${value}' (expected on or off)`)
}

/** Parses a decimal or 0x-prefixed unsigned integer within [min, max]. */
export function parseInteger(value: string, option: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = value.trim()
  const n = /^0x[0-9a-f]+$/i.test(trimmed)
    ? Number.parseInt(trimmed.slice(2), 16)
    : /^-?\d+$/.test(trimmed)
      ? Number(trimmed)
      : Number.NaN
  if (!Number.isSafeInteger(n)) throw new UsageError(`Invalid ${option} value '${value}': not a number`)
  if (n < min || n > max) throw new UsageError(`Invalid ${option} value '${value}': must be in ${min}..${max}`)
  return n
}

/** Looks up a VBoxManage spelling (case-insensitive) in a table of names → values. */
export function parseChoice<T>(value: string, option: string, table: Readonly<Record<string, T>>): T {
  const key = Object.keys(table).find((k) => k.toLowerCase() === value.toLowerCase())
  if (key === undefined)
    throw new UsageError(`Invalid ${option} argument '${value}' (one of: ${Object.keys(table).join(', ')})`)
  return table[key] as T
}

/** The name whose value is `value` in a names → values table, or `fallback`. */
export function choiceName<T>(table: Readonly<Record<string, T>>, value: T, fallback = 'unknown'): string {
  return Object.keys(table).find((k) => table[k] === value) ?? fallback
}

/** Formats a UUID the way VBoxManage prints it (no braces). */
export function bareUuid(id: string): string {
  return id.replace(/^\{|\}$/g, '')
}
