// IVirtualBoxClient for in-process use and for each service connection: hands out sessions and releases them
// (and their locks) when the client closes — VirtualBox's ClientWatcher behaviour for a departed client.
import type { IVirtualBox, IVirtualBoxClient, ISession } from '../api/interfaces'
import { SessionState } from '../api/machine-enums'
import { ApiObject } from '../server/api-object'
import type { VirtualBoxImpl } from '../server/virtualbox'
import { SessionImpl } from './session'

/** One client of a VirtualBox object. */
export class VirtualBoxClientImpl extends ApiObject implements IVirtualBoxClient {
  readonly interfaceName = 'IVirtualBoxClient'
  readonly virtualBox: IVirtualBox
  private readonly sessions = new Set<SessionImpl>()
  private readonly pid: number
  private readonly onClose: (() => Promise<void>) | undefined

  constructor(vbox: VirtualBoxImpl, pid: number, onClose?: () => Promise<void>) {
    super()
    this.virtualBox = vbox
    this.pid = pid
    this.onClose = onClose
  }

  async getVirtualBox(): Promise<IVirtualBox> {
    return this.virtualBox
  }

  async getSession(): Promise<ISession> {
    const session = new SessionImpl(this.pid)
    this.sessions.add(session)
    return session
  }

  async close(): Promise<void> {
    for (const session of this.sessions) {
      if (session._state === SessionState.Locked && session._core) session._core.unlock(session)
      else if (session._state === SessionState.Spawning) session._released()
    }
    this.sessions.clear()
    await this.onClose?.()
  }
}
