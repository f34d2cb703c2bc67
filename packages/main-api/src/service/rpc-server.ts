// The service side of a client connection: a table of the objects handed out, method dispatch with the
// `_`-prefixed internals closed off, and cleanup (sessions unlocked, listeners dropped) when the client leaves.
import type { Socket } from 'node:net'
import { toVBoxError, VBoxError } from '../api/errors'
import type { IEventListener } from '../api/interfaces'
import { VirtualBoxClientImpl } from '../client/virtualbox-client'
import { EventSourceImpl } from '../events/event-source'
import { ApiObject, isCallableApiMember } from '../server/api-object'
import type { VirtualBoxImpl } from '../server/virtualbox'
import { decodeValue, encodeValue, lineReader, type CallMessage, type WireRef } from './wire'

/** One connected client. */
export class ServiceConnection {
  private readonly socket: Socket
  private readonly client: VirtualBoxClientImpl
  private readonly objects = new Map<number, ApiObject>()
  private readonly ids = new Map<ApiObject, number>()
  private readonly listeners: Array<[EventSourceImpl, IEventListener]> = []
  private nextId = 1
  private closed = false

  constructor(vbox: VirtualBoxImpl, socket: Socket, onClose: () => void) {
    this.socket = socket
    this.client = new VirtualBoxClientImpl(vbox, 0)
    this.objects.set(0, this.client)
    this.ids.set(this.client, 0)
    socket.on(
      'data',
      lineReader(
        (message) => void this.dispatch(message as CallMessage),
        () => socket.destroy(),
      ),
    )
    socket.on('close', () => {
      if (this.closed) return
      this.closed = true
      for (const [source, listener] of this.listeners) source._dropListeners([listener])
      void this.client.close().finally(onClose)
    })
    socket.on('error', () => socket.destroy())
  }

  private toRef = (value: object): WireRef | undefined => {
    if (!(value instanceof ApiObject)) return undefined
    let id = this.ids.get(value)
    if (id === undefined) {
      id = this.nextId++
      this.ids.set(value, id)
      this.objects.set(id, value)
    }
    return { $ref: id, $if: value.interfaceName }
  }

  private fromRef = (ref: WireRef): unknown => {
    const object = this.objects.get(ref.$ref)
    if (!object) throw new VBoxError('E_INVALIDARG', `Unknown object reference ${ref.$ref}`, 'VirtualBoxClient')
    return object
  }

  private async dispatch(message: CallMessage): Promise<void> {
    if (typeof message?.id !== 'number') return
    let reply: unknown
    try {
      const target = this.objects.get(message.target)
      if (!target)
        throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Unknown object reference ${message.target}`, 'VirtualBoxClient')
      if (typeof message.method !== 'string' || !isCallableApiMember(target, message.method))
        throw new VBoxError(
          'E_NOTIMPL',
          `${target.interfaceName} has no method '${String(message.method)}'`,
          target.interfaceName,
        )
      const args = (Array.isArray(message.args) ? message.args : []).map((a) => decodeValue(a, this.fromRef))
      const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[message.method] as (
        ...a: unknown[]
      ) => unknown
      const result = await fn.apply(target, args)
      if (target instanceof EventSourceImpl && message.method === 'registerListener')
        this.listeners.push([target, args[0] as IEventListener])
      reply = { id: message.id, result: encodeValue(result, this.toRef) }
    } catch (error) {
      reply = { id: message.id, error: toVBoxError(error).toErrorInfo() }
    }
    if (!this.closed) this.socket.write(`${JSON.stringify(reply)}\n`)
  }
}
