// Command lines for the end-to-end tests written as in a shell (and as in the README), one line per command
// instead of one line per argument: argv`storageattach vm --port 0 --medium ${path}`.

/**
 * Splits a command line into arguments: the template's literal text splits at white space (newlines included);
 * an interpolated value is one argument as it is, spaces and all, joined to literal text it touches
 * (`--uart-mode1=${mode}` stays one argument, `${''}` is an empty argument). No quoting or escaping.
 */
export function argv(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string[] {
  const args: string[] = []
  let current: string | undefined
  const flush = () => {
    if (current !== undefined) args.push(current)
    current = undefined
  }
  strings.forEach((literal, i) => {
    for (const piece of literal.split(/(\s+)/)) {
      if (/^\s+$/.test(piece)) flush()
      else if (piece !== '') current = (current ?? '') + piece
    }
    if (i < values.length) current = (current ?? '') + String(values[i])
  })
  flush()
  return args
}
