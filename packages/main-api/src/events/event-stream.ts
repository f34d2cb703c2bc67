// Async-iterator consumption of an event source, built only on the public passive-listener calls, so it works the
// same on in-process objects and on service proxies.
import type { VBoxEventType } from '../api/event-types'
import type { VBoxEvent } from '../api/events'
import type { IEventSource } from '../api/interfaces'

/** Options of {@link eventStream}. */
export interface EventStreamOptions {
  /** Stops the stream (the listener is unregistered). */
  readonly signal?: AbortSignal
  /** getEvent timeout per poll in ms (default 500); bounds how long an abort takes to be noticed. */
  readonly pollMs?: number
}

/**
 * Yields the events of `types` fired on `source` from the moment the listener is registered (which happens
 * before the first `next()` resolves… call `await stream.ready` first if ordering matters — see
 * {@link openEventStream}).
 */
export async function* eventStream(
  source: IEventSource,
  types: VBoxEventType[],
  options: EventStreamOptions = {},
): AsyncGenerator<VBoxEvent, void, undefined> {
  const stream = await openEventStream(source, types, options)
  yield* stream
}

/** A registered event stream: the listener exists once this resolves, so no event fired afterwards is missed. */
export async function openEventStream(
  source: IEventSource,
  types: VBoxEventType[],
  options: EventStreamOptions = {},
): Promise<AsyncGenerator<VBoxEvent, void, undefined>> {
  const listener = await source.createListener()
  await source.registerListener(listener, types, false)
  const pollMs = options.pollMs ?? 500
  async function* run(): AsyncGenerator<VBoxEvent, void, undefined> {
    try {
      while (!options.signal?.aborted) {
        const event = await source.getEvent(listener, pollMs)
        if (!event) continue
        await source.eventProcessed(listener, event)
        yield event
      }
    } finally {
      await source.unregisterListener(listener).catch(() => undefined)
    }
  }
  return run()
}
