// IEventSource with passive listeners: queued events per listener, getEvent with timeout, auto-unregistration of
// listeners that fall more than 500 events behind (VirtualBox src/VBox/Main/src-all/EventImpl.cpp; vbox-api.md §2.15).
import { VBoxError } from '../api/errors'
import { eventTypeMatches, type VBoxEventType } from '../api/event-types'
import type { VBoxEvent, VBoxEventInit } from '../api/events'
import type { IEventListener, IEventSource } from '../api/interfaces'
import { ApiObject } from '../server/api-object'

/** Pending events after which a passive listener is dropped, as VirtualBox does. */
export const MAX_PENDING_EVENTS = 500

let nextListenerId = 1

/** A passive listener: created by an event source, identified by id. */
export class EventListenerImpl extends ApiObject implements IEventListener {
  readonly interfaceName = 'IEventListener'
  readonly _id = `listener-${nextListenerId++}`
  async getId(): Promise<string> {
    return this._id
  }
}

interface Registration {
  readonly types: readonly VBoxEventType[]
  readonly queue: VBoxEvent[]
  waiter: ((event: VBoxEvent | null) => void) | undefined
}

/** An event source. `_fire` delivers an event to every interested listener. */
export class EventSourceImpl extends ApiObject implements IEventSource {
  readonly interfaceName = 'IEventSource'
  private readonly registrations = new Map<IEventListener, Registration>()
  private readonly callbacks = new Set<(event: VBoxEvent) => void>()
  private nextEventId = 1

  async createListener(): Promise<IEventListener> {
    return new EventListenerImpl()
  }

  async registerListener(listener: IEventListener, interesting: VBoxEventType[], active: boolean): Promise<void> {
    if (!(listener instanceof EventListenerImpl))
      throw new VBoxError('E_INVALIDARG', 'The listener was not created by createListener', 'EventSource')
    if (active)
      throw new VBoxError(
        'E_INVALIDARG',
        'Active listeners are not supported through this interface: register the listener as passive and use getEvent',
        'EventSource',
      )
    if (this.registrations.has(listener))
      throw new VBoxError('E_INVALIDARG', 'The listener is already registered', 'EventSource')
    this.registrations.set(listener, { types: [...interesting], queue: [], waiter: undefined })
  }

  async unregisterListener(listener: IEventListener): Promise<void> {
    const reg = this.registrations.get(listener)
    if (!reg) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', 'The listener is not registered', 'EventSource')
    this.registrations.delete(listener)
    reg.waiter?.(null)
  }

  async getEvent(listener: IEventListener, timeoutMs: number): Promise<VBoxEvent | null> {
    const reg = this.registrations.get(listener)
    if (!reg) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', 'The listener is not registered', 'EventSource')
    const queued = reg.queue.shift()
    if (queued) return queued
    if (timeoutMs === 0) return null
    if (reg.waiter)
      throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', 'Another getEvent call is waiting', 'EventSource')
    return new Promise((resolve) => {
      const timer = timeoutMs > 0 ? setTimeout(() => finish(null), timeoutMs) : undefined
      const finish = (event: VBoxEvent | null) => {
        if (timer) clearTimeout(timer)
        reg.waiter = undefined
        resolve(event)
      }
      reg.waiter = finish
    })
  }

  async eventProcessed(listener: IEventListener, _event: VBoxEvent): Promise<void> {
    if (!this.registrations.has(listener))
      throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', 'The listener is not registered', 'EventSource')
  }

  /** Internal: delivers an event to all interested listeners; returns the numbered event. */
  _fire(init: VBoxEventInit): VBoxEvent {
    const event = { ...init, id: this.nextEventId++ } as VBoxEvent
    for (const [listener, reg] of this.registrations) {
      if (!reg.types.some((t) => eventTypeMatches(t, event.type))) continue
      if (reg.waiter) reg.waiter(event)
      else if (reg.queue.length >= MAX_PENDING_EVENTS) this.registrations.delete(listener)
      else reg.queue.push(event)
    }
    for (const callback of this.callbacks) callback(event)
    return event
  }

  /** Internal: in-process observers (used by the service and the server objects themselves). */
  _subscribe(callback: (event: VBoxEvent) => void): () => void {
    this.callbacks.add(callback)
    return () => this.callbacks.delete(callback)
  }

  /** Internal: drops registrations of the given listeners (a client went away). */
  _dropListeners(listeners: Iterable<IEventListener>): void {
    for (const l of listeners) {
      const reg = this.registrations.get(l)
      if (!reg) continue
      this.registrations.delete(l)
      reg.waiter?.(null)
    }
  }
}
