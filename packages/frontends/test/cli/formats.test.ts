// Output helpers: machine-readable quoting, keyboardputstring's scancodes, progress output.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { IProgress } from '@boxwood/main-api'
import { createContext } from '../../src/cli/context'
import { bufferIo } from '../../src/cli/io'
import { machineReadableLine, quoteValue } from '../../src/cli/machinereadable'
import { showProgress } from '../../src/cli/progress'
import { scancodesForText } from '../../src/cli/scancodes'
import { parseMachineReadable } from '../helpers'

describe('machine-readable lines', () => {
  it('quotes strings, escapes quotes and backslashes, leaves integers bare', () => {
    expect(machineReadableLine('memory', 512)).toBe('memory=512')
    expect(machineReadableLine('name', 'a "b" \\c')).toBe('name="a \\"b\\" \\\\c"')
    expect(machineReadableLine('IDE-0-0', '/x', true)).toBe('"IDE-0-0"="/x"')
  })

  it('round-trips any value through a parser written the way scripts parse it', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 1 }).filter((k) => /^[A-Za-z][\w-]*$/.test(k)),
        (value, key) => {
          const parsed = parseMachineReadable(machineReadableLine(key, value, true))
          expect(parsed.get(key)).toBe(value)
        },
      ),
      { seed: 7 },
    )
    expect(quoteValue('line1\nline2')).toBe('"line1\\nline2"')
  })
})

describe('keyboardputstring scancodes', () => {
  it('types lower case, upper case with shift, and Enter', () => {
    expect(scancodesForText('a')).toEqual([0x1e, 0x9e])
    expect(scancodesForText('A')).toEqual([0x2a, 0x1e, 0x9e, 0xaa])
    expect(scancodesForText('!\n')).toEqual([0x2a, 0x02, 0x82, 0xaa, 0x1c, 0x9c])
    expect(() => scancodesForText('é')).toThrow(/Cannot type/)
  })

  it('every printable ASCII character makes balanced make/break pairs', () => {
    for (let c = 0x20; c < 0x7f; c++) {
      const codes = scancodesForText(String.fromCharCode(c))
      const makes = codes.filter((x) => x < 0x80)
      const breaks = codes.filter((x) => x >= 0x80).map((x) => x & 0x7f)
      expect(breaks.sort()).toEqual(makes.sort())
    }
  })
})

describe('progress output', () => {
  /** A progress that advances by `step` percent per wait. */
  function fakeProgress(step: number, fail = false): IProgress {
    let percent = 0
    const done = () => percent >= 100
    return {
      getCompleted: async () => done(),
      getPercent: async () => Math.min(100, percent),
      getResultCode: async () => (fail ? 0x80bb0001 : 0),
      getErrorInfo: async () =>
        fail ? { resultCode: 0x80bb0001, code: 'VBOX_E_OBJECT_NOT_FOUND', text: 'gone', component: 'Medium' } : null,
      waitForCompletion: async () => void (percent += step),
    } as unknown as IProgress
  }

  it('prints each tenth once, ending with 100%', async () => {
    for (const step of [3, 25, 100]) {
      const io = bufferIo()
      await showProgress(
        createContext(io, 'boxmanage', async () => undefined as never),
        fakeProgress(step),
      )
      expect(io.stderr()).toBe('0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n')
    }
  })

  it('throws the progress error after ending the line', async () => {
    const io = bufferIo()
    const run = showProgress(
      createContext(io, 'boxmanage', async () => undefined as never),
      fakeProgress(40, true),
    )
    await expect(run).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_NOT_FOUND', message: 'gone' })
    expect(io.stderr().endsWith('\n')).toBe(true)
  })
})
