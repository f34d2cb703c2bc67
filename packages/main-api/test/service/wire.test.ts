// The service protocol under misuse: malformed lines, unknown objects and methods, internal (`_`) members and
// Object.prototype members are refused with typed errors, and the service keeps serving.
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectVirtualBox } from '../../src/index'
import type { IVirtualBoxClient } from '../../src/index'
import { socketPathFor } from '../../src/service/socket-path'
import { decodeValue, encodeValue, lineReader } from '../../src/service/wire'
import { tempDir } from '../helpers'

process.env.BOXWOOD_SVC_SHUTDOWN_MS = '300'

describe('service wire protocol', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let client: IVirtualBoxClient
  let raw: Socket
  const replies: Array<Record<string, unknown>> = []

  const call = async (message: unknown): Promise<Record<string, unknown>> => {
    const before = replies.length
    raw.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`)
    const deadline = Date.now() + 5000
    while (replies.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    return replies[replies.length - 1] as Record<string, unknown>
  }

  beforeAll(async () => {
    dir = await tempDir('wire')
    client = await connectVirtualBox({ homeFolder: join(dir.path, 'home') })
    raw = createConnection(socketPathFor(join(dir.path, 'home')))
    await new Promise((r) => raw.once('connect', r))
    raw.on(
      'data',
      lineReader(
        (m) => replies.push(m as Record<string, unknown>),
        () => undefined,
      ),
    )
  })
  afterAll(async () => {
    raw.destroy()
    await client.close()
    await new Promise((r) => setTimeout(r, 500))
    await dir.cleanup()
  })

  it('refuses unknown objects, unknown methods, internal members and Object.prototype', async () => {
    const vboxRef = (await call({ id: 1, target: 0, method: 'getVirtualBox', args: [] })).result as {
      $ref: number
      $if: string
    }
    expect(vboxRef.$if).toBe('IVirtualBox')
    expect(await call({ id: 2, target: 999, method: 'getVersion', args: [] })).toMatchObject({
      id: 2,
      error: { code: 'VBOX_E_OBJECT_NOT_FOUND' },
    })
    expect(await call({ id: 3, target: vboxRef.$ref, method: 'nope', args: [] })).toMatchObject({
      error: { code: 'E_NOTIMPL' },
    })
    expect(await call({ id: 4, target: vboxRef.$ref, method: '_saveGlobal', args: [] })).toMatchObject({
      error: { code: 'E_NOTIMPL' },
    })
    expect(await call({ id: 5, target: vboxRef.$ref, method: 'constructor', args: [] })).toMatchObject({
      error: { code: 'E_NOTIMPL' },
    })
    expect(await call({ id: 6, target: vboxRef.$ref, method: 'toString', args: [] })).toMatchObject({
      error: { code: 'E_NOTIMPL' },
    })
    expect(await call({ id: 7, target: vboxRef.$ref, method: 'findMachine', args: [{ $ref: 12345 }] })).toMatchObject({
      error: { code: 'E_INVALIDARG' },
    })
    expect(await call({ id: 8, target: vboxRef.$ref, method: 'getVersion', args: [] })).toMatchObject({
      id: 8,
      result: expect.stringMatching(/^7\.1/),
    })
  })

  it('survives a malformed line (the connection is dropped) and keeps serving other clients', async () => {
    const closed = new Promise<void>((r) => raw.once('close', () => r()))
    raw.write('{this is not json\n')
    // The service answers a malformed line by closing the connection (however long a loaded machine takes).
    await closed
    expect(raw.destroyed || raw.readableEnded).toBe(true)
    expect(await client.virtualBox.getAPIVersion()).toBe('7_1')
  })

  it('encodes references, bytes and nested values', () => {
    const ref = { $ref: 3, $if: 'IMedium' }
    const marker = {}
    const encoded = encodeValue({ a: [marker, new Uint8Array([1, 2, 255])], b: undefined }, (v) =>
      v === marker ? ref : undefined,
    )
    expect(encoded).toEqual({ a: [ref, { $bytes: 'AQL/' }], b: null })
    const decoded = decodeValue(JSON.parse(JSON.stringify(encoded)), () => 'resolved') as { a: [string, Uint8Array] }
    expect(decoded.a[0]).toBe('resolved')
    expect([...decoded.a[1]]).toEqual([1, 2, 255])
  })
})
