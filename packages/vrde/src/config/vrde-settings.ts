// VRDE settings as VirtualBox's IVRDEServer has them (vbox-api §7.1): ext pack, auth type, multi-connection
// policy and the string properties (TCP/Ports, TCP/Address, VNCPassword, Security/*), plus Boxwood's additions.
import type { Authenticator } from '../auth/password-store'
import { VrdeConfigError } from '../errors'
import type { VrdeLogger } from '../log'

/** IVRDEServer.authType. */
export type VrdeAuthType = 'Null' | 'External' | 'Guest'

/** Everything that configures a VRDE server. Every field is optional; defaults follow VirtualBox. */
export interface VrdeSettings {
  /** Extension pack providing the server: `VNC` selects the VNC server, anything else (default) RDP. */
  readonly extPack?: string
  /** Default `Null`. `External` checks credentials with {@link authenticator}; `Guest` is reserved and refused. */
  readonly authType?: VrdeAuthType
  /** Milliseconds a client has to finish logging in (default 5000, IVRDEServer.authTimeout). */
  readonly authTimeout?: number
  /** Several clients at once (default false). */
  readonly allowMultiConnection?: boolean
  /** In single-connection mode, a new client replaces the current one instead of being refused (default false). */
  readonly reuseSingleConnection?: boolean
  /**
   * VRDE properties: `TCP/Ports` (e.g. `3389`, `5000,5010-5012`; first free wins), `TCP/Address` (default
   * `127.0.0.1`; empty = all interfaces), `VNCPassword`, `Security/ServerCertificate`,
   * `Security/ServerPrivateKey`, `Security/Method` (`TLS` or `Negotiate`; `RDP` is refused), and Boxwood's
   * `WebSocket/Ports` (VNC over WebSocket for noVNC, same list syntax).
   */
  readonly properties?: Readonly<Record<string, string>>
  /** Upper bound on simultaneous clients in multi-connection mode (default 16). */
  readonly maxConnections?: number
  /** Checks user names and passwords for `External` auth (e.g. a {@link PasswordStore}). */
  readonly authenticator?: Authenticator
  /** Where an auto-generated TLS certificate is kept (default: the OS temp dir, `boxwood-vrde`). */
  readonly certificateDir?: string
  /** Log sink (default: warnings and errors to stderr). */
  readonly logger?: VrdeLogger
  /** Desktop name shown by VNC viewers (default `Boxwood`). */
  readonly desktopName?: string
}

/**
 * Parses a VRDE port list: comma-separated ports and `a-b` ranges, in order, without duplicates. `0` or empty
 * means the server's default: one port (RDP's 3389, as VirtualBox's VRDP) or a list to try in order (VNC's
 * 5900–5999, as the VNC extension pack's automatic port).
 */
export function parsePortList(text: string | undefined, defaults: number | readonly number[]): number[] {
  const t = (text ?? '').trim()
  if (t === '' || t === '0') return typeof defaults === 'number' ? [defaults] : [...defaults]
  const out: number[] = []
  for (const part of t.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part)
    if (!m) throw new VrdeConfigError(`TCP/Ports: cannot parse "${part}" in "${t}"`)
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    if (a < 1 || b > 65535 || b < a) throw new VrdeConfigError(`TCP/Ports: invalid port or range "${part.trim()}"`)
    for (let p = a; p <= b; p++) if (!out.includes(p)) out.push(p)
  }
  return out
}

/** The address to bind: the `TCP/Address` property, loopback when unset (Boxwood is local-only by default). */
export function bindAddress(settings: VrdeSettings): string {
  const a = settings.properties?.['TCP/Address']
  if (a === undefined) return '127.0.0.1'
  return a.trim() === '' ? '0.0.0.0' : a.trim()
}

/** Validates the auth settings common to both servers. */
export function checkAuth(settings: VrdeSettings): void {
  const type = settings.authType ?? 'Null'
  if (type === 'Guest') {
    throw new VrdeConfigError('auth type Guest (credentials checked by Guest Additions) is reserved and not supported')
  }
  if (type !== 'Null' && type !== 'External') throw new VrdeConfigError(`unknown auth type ${String(type)}`)
}
