// `--machinereadable` output: `key="value"` lines with `"` and `\` backslash-escaped, integers unquoted
// (vbox-api.md §5.3; Vagrant and Packer parse this, so the format is kept byte for byte).

/** Escapes a value for a double-quoted machine-readable field. */
export function quoteValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/** One `key=value` line: strings quoted, numbers bare; `quoteKey` for keys like `"IDE-0-0"`. */
export function machineReadableLine(key: string, value: string | number, quoteKey = false): string {
  const k = quoteKey ? quoteValue(key) : key
  return `${k}=${typeof value === 'number' ? String(value) : quoteValue(value)}`
}

/** The human-readable `Label:   value` line, padded like VBoxManage's `%-28s` columns. */
export function humanLine(label: string, value: string | number, width = 28): string {
  return `${label.padEnd(width)} ${value}`.trimEnd()
}
