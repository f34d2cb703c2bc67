// The Node char backends over real files, TCP and Unix sockets and streams, driven through a real UART.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer } from 'node:net'
import type { Socket } from 'node:net'
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { createTestMachine } from '@boxwood/device-testkit'
import { ns16550Uart } from '../../src/serial/ns16550-uart'
import {
  createDisconnectedSerial,
  createFileSerial,
  createPipeSerial,
  createTcpClientSerial,
  createTcpServerSerial,
  createUnixServerSerial,
} from '../../src/node/index'
import type { NodeCharBackend } from '../../src/node/index'

const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

function uartOn(backend: NodeCharBackend) {
  const m = createTestMachine({ devices: [{ definition: ns16550Uart, luns: { 0: backend } }] })
  cleanups.push(() => m.host.destroy())
  const send = (text: string) => {
    for (const c of text) m.io.out8(0x3f8, c.charCodeAt(0))
  }
  const receive = () => {
    let s = ''
    while (m.io.in8(0x3fd) & 1) s += String.fromCharCode(m.io.in8(0x3f8))
    return s
  }
  return { send, receive }
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(predicate()).toBe(true)
}

async function exchange(backend: NodeCharBackend, peer: Socket) {
  const uart = uartOn(backend)
  let fromGuest = ''
  peer.on('data', (d: Buffer) => (fromGuest += d.toString('latin1')))
  await until(() => backend.connected)
  uart.send('hello host\n')
  await until(() => fromGuest === 'hello host\n')
  peer.write('hello guest')
  let got = ''
  await until(() => (got += uart.receive()) === 'hello guest')
}

describe('Node serial backends', () => {
  it('disconnected drops output and never has input', () => {
    const backend = createDisconnectedSerial()
    const uart = uartOn(backend)
    uart.send('lost')
    expect(backend.droppedOutput).toBe(4)
    expect(uart.receive()).toBe('')
  })

  it('file writes the guest output to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boxwood-serial-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'com1.log')
    const backend = createFileSerial(path)
    await backend.ready
    uartOn(backend).send('boot log line\n')
    backend.close()
    await backend.closed
    expect(readFileSync(path, 'latin1')).toBe('boot log line\n')
  })

  it('TCP server: a real client talks to the guest; a second client is refused', async () => {
    const backend = createTcpServerSerial(0)
    cleanups.push(() => backend.close())
    await backend.ready
    const client = connect(backend.address.port!, '127.0.0.1')
    cleanups.push(() => client.destroy())
    await exchange(backend, client)
    const second = connect(backend.address.port!, '127.0.0.1')
    await once(second, 'close')
    expect(backend.connected).toBe(true)
  })

  it('TCP client connects to a real server', async () => {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => server.close())
    const accepted = once(server, 'connection')
    const address = server.address()
    const backend = createTcpClientSerial(typeof address === 'object' && address ? address.port : 0)
    cleanups.push(() => backend.close())
    const [peer] = (await accepted) as [Socket]
    cleanups.push(() => peer.destroy())
    await backend.ready
    await exchange(backend, peer)
  })

  it('Unix socket server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boxwood-sock-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const backend = createUnixServerSerial(join(dir, 'com1.sock'))
    cleanups.push(() => backend.close())
    await backend.ready
    const client = connect(join(dir, 'com1.sock'))
    cleanups.push(() => client.destroy())
    await exchange(backend, client)
  })

  it('pipe backend over Node streams', async () => {
    const toGuest = new PassThrough()
    const fromGuest = new PassThrough()
    const backend = createPipeSerial(toGuest, fromGuest)
    const uart = uartOn(backend)
    let out = ''
    fromGuest.on('data', (d: Buffer) => (out += d.toString('latin1')))
    uart.send('ok')
    toGuest.write('in')
    await until(() => out === 'ok')
    let got = ''
    await until(() => (got += uart.receive()) === 'in')
  })
})
