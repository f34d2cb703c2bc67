// VirtualBox's VRDE connection policy (IVRDEServer.allowMultiConnection / reuseSingleConnection) plus a hard
// connection limit: decides, once a client has authenticated, whether it may stay and whom it replaces.

/** What the registry needs from a connection. */
export interface RegisteredSession {
  /** Closes the session with a reason for the log (and for the client where the protocol can carry one). */
  disconnect(reason: string): void
}

/** The policy knobs. */
export interface SessionPolicy {
  readonly allowMultiConnection: boolean
  readonly reuseSingleConnection: boolean
  /** Upper bound on simultaneous sessions even in multi-connection mode. */
  readonly maxConnections: number
}

/** Tracks the active (authenticated) sessions of one server. */
export class SessionRegistry {
  readonly #sessions = new Set<RegisteredSession>()
  readonly #policy: SessionPolicy

  constructor(policy: SessionPolicy) {
    this.#policy = policy
  }

  get count(): number {
    return this.#sessions.size
  }

  /** Admits a session or returns the reason it is refused. May disconnect an older session (reuse policy). */
  admit(session: RegisteredSession): { ok: true } | { ok: false; reason: string } {
    const p = this.#policy
    if (p.allowMultiConnection) {
      if (this.#sessions.size >= p.maxConnections) {
        return { ok: false, reason: `connection limit of ${p.maxConnections} reached` }
      }
    } else if (this.#sessions.size > 0) {
      if (!p.reuseSingleConnection) return { ok: false, reason: 'another client is connected (single connection mode)' }
      for (const s of [...this.#sessions]) {
        this.#sessions.delete(s)
        s.disconnect('replaced by a new client (reuse single connection)')
      }
    }
    this.#sessions.add(session)
    return { ok: true }
  }

  remove(session: RegisteredSession): void {
    this.#sessions.delete(session)
  }

  /** Disconnects everyone. */
  disconnectAll(reason: string): void {
    for (const s of [...this.#sessions]) {
      this.#sessions.delete(s)
      s.disconnect(reason)
    }
  }
}
