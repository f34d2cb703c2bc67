// Source map `mappings` (Source Map Revision 3: per generated line, `;`-separated; segments `,`-separated, each
// base64 VLQ fields of which the first is the generated column, relative to the previous segment of the line),
// shifted where a keyword of the generated code grew: segments after it on its line move right.
import type { KeywordEdit } from './top-level-const'

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DIGIT = new Map([...BASE64].map((ch, i) => [ch, i]))

/** The VLQ fields of one segment. */
function decode(segment: string): number[] {
  const fields: number[] = []
  let value = 0
  let shift = 0
  for (const ch of segment) {
    const digit = DIGIT.get(ch)
    if (digit === undefined) throw new Error(`source map: '${ch}' is not a base64 VLQ digit`)
    value += (digit & 31) * 2 ** shift
    shift += 5
    if ((digit & 32) === 0) {
      fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2)
      value = 0
      shift = 0
    }
  }
  if (shift !== 0) throw new Error('source map: a VLQ field is cut short')
  return fields
}

function encode(fields: number[]): string {
  let out = ''
  for (const field of fields) {
    let value = field < 0 ? -field * 2 + 1 : field * 2
    do {
      let digit = value & 31
      value = Math.floor(value / 32)
      if (value > 0) digit |= 32
      out += BASE64[digit]
    } while (value > 0)
  }
  return out
}

/**
 * `mappings` after each edit's keyword of `oldLength` characters became `newLength` long: on the edit's line,
 * segments that start after the keyword's first character move by the difference.
 */
export function shiftColumns(mappings: string, edits: readonly KeywordEdit[], oldLength: number, newLength: number) {
  const byLine = new Map<number, number[]>()
  for (const e of edits) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e.column])
  const grow = newLength - oldLength
  return mappings
    .split(';')
    .map((line, index) => {
      const columns = byLine.get(index)
      if (columns === undefined || line === '') return line
      let oldColumn = 0
      let newPrevious = 0
      return line
        .split(',')
        .map((segment) => {
          const fields = decode(segment)
          oldColumn += fields[0]!
          const moved = oldColumn + grow * columns.filter((c) => c < oldColumn).length
          fields[0] = moved - newPrevious
          newPrevious = moved
          return encode(fields)
        })
        .join(',')
    })
    .join(';')
}
