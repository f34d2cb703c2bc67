// Event sources (passive listeners, timeouts, the 500-event limit) and Progress (operations, cancel, errors).
import { describe, expect, it } from 'vitest'
import { VBoxError, VBoxEventType, completeOrThrow, eventStream } from '../../src/index'
import { EventSourceImpl, MAX_PENDING_EVENTS } from '../../src/events/event-source'
import { runProgress } from '../../src/server/progress'

describe('event sources', () => {
  it('delivers matching events to passive listeners and times out with null', async () => {
    const source = new EventSourceImpl()
    const listener = await source.createListener()
    await source.registerListener(listener, [VBoxEventType.MachineEvent], false)
    expect(await source.getEvent(listener, 0)).toBeNull()
    const started = Date.now()
    expect(await source.getEvent(listener, 50)).toBeNull()
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    source._fire({ type: VBoxEventType.OnMediumRegistered, mediumId: 'm', mediumType: 3, registered: true })
    source._fire({ type: VBoxEventType.OnMachineStateChanged, machineId: 'x', state: 6 })
    const event = await source.getEvent(listener, 100)
    expect(event).toMatchObject({ type: 32, machineId: 'x', state: 6 })
    await source.eventProcessed(listener, event!)
    const waiting = source.getEvent(listener, -1)
    source._fire({ type: VBoxEventType.OnMachineRegistered, machineId: 'y', registered: true })
    expect(await waiting).toMatchObject({ type: 37, machineId: 'y' })
    await expect(source.registerListener(listener, [VBoxEventType.Any], true)).rejects.toMatchObject({
      code: 'E_INVALIDARG',
    })
  })

  it('drops a listener that falls more than 500 events behind, as VirtualBox does', async () => {
    const source = new EventSourceImpl()
    const listener = await source.createListener()
    await source.registerListener(listener, [VBoxEventType.Any], false)
    for (let i = 0; i <= MAX_PENDING_EVENTS; i++)
      source._fire({ type: VBoxEventType.OnMachineDataChanged, machineId: 'x', temporary: false })
    await expect(source.getEvent(listener, 0)).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_NOT_FOUND' })
  })

  it('streams events through an async iterator until aborted', async () => {
    const source = new EventSourceImpl()
    const abort = new AbortController()
    const seen: number[] = []
    const done = (async () => {
      for await (const e of eventStream(source, [VBoxEventType.OnSnapshotTaken], {
        signal: abort.signal,
        pollMs: 20,
      })) {
        seen.push(e.type)
        if (seen.length === 2) abort.abort()
      }
    })()
    await new Promise((r) => setTimeout(r, 30))
    source._fire({ type: VBoxEventType.OnSnapshotTaken, machineId: 'a', snapshotId: 's' })
    source._fire({ type: VBoxEventType.OnSnapshotDeleted, machineId: 'a', snapshotId: 's' })
    source._fire({ type: VBoxEventType.OnSnapshotTaken, machineId: 'a', snapshotId: 't' })
    await done
    expect(seen).toEqual([39, 39])
  })
})

describe('progress', () => {
  it('reports weighted percent over operations and completes with success', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    const p = runProgress(
      'Work',
      [
        { description: 'one', weight: 1 },
        { description: 'two', weight: 3 },
      ],
      async (task) => {
        task.setOperationPercent(100)
        task.nextOperation(1)
        task.setOperationPercent(50)
        await gate
      },
    )
    await new Promise((r) => setTimeout(r, 10))
    expect(await p.getOperationCount()).toBe(2)
    expect(await p.getOperation()).toBe(1)
    expect(await p.getOperationDescription()).toBe('two')
    expect(await p.getPercent()).toBe(62)
    expect(await p.getCompleted()).toBe(false)
    await p.waitForCompletion(20) // times out, still running
    expect(await p.getCompleted()).toBe(false)
    release()
    await p.waitForCompletion(-1)
    expect(await p.getPercent()).toBe(100)
    expect(await p.getResultCode()).toBe(0)
    expect(await p.getErrorInfo()).toBeNull()
  })

  it('reports a failing task through resultCode and errorInfo', async () => {
    const p = runProgress('Fail', [], async () => {
      throw new VBoxError('VBOX_E_FILE_ERROR', 'no such file', 'Medium')
    })
    await expect(completeOrThrow(p)).rejects.toMatchObject({ code: 'VBOX_E_FILE_ERROR', message: 'no such file' })
    expect(await p.getResultCode()).toBe(0x80bb0004)
    expect(await p.getErrorInfo()).toMatchObject({ component: 'Medium', text: 'no such file' })
  })

  it('cancels cancelable tasks and refuses to cancel the others', async () => {
    const p = runProgress(
      'Cancel',
      [],
      async (task) => {
        while (!task.canceled) await new Promise((r) => setTimeout(r, 5))
      },
      { cancelable: true },
    )
    await p.cancel()
    await p.waitForCompletion(-1)
    expect(await p.getCanceled()).toBe(true)
    expect(await p.getResultCode()).toBe(0x80004005)
    const q = runProgress('Fixed', [], async () => undefined)
    await expect(q.cancel()).rejects.toMatchObject({ code: 'E_FAIL' })
  })
})
