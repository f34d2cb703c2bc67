// The public face of a running VRDE server, common to RDP and VNC (VirtualBox IVRDEServerInfo).

/** Runtime information, like IConsole.VRDEServerInfo. */
export interface VrdeServerInfo {
  readonly active: boolean
  /** The bound port; -1 before start, 0 when starting failed (VirtualBox convention). */
  readonly port: number
  readonly address: string
  /** The bound WebSocket port (VNC with `WebSocket/Ports`), else -1. */
  readonly webSocketPort: number
  readonly numberOfClients: number
  readonly bytesSent: number
  readonly bytesReceived: number
}

/** A remote display server serving one display source and input sink. */
export interface VrdeServer {
  readonly protocol: 'rdp' | 'vnc'
  /** Binds the configured port (first free of the list) and starts accepting clients. */
  start(): Promise<VrdeServerInfo>
  /** Disconnects every client and stops listening. */
  stop(): Promise<void>
  readonly info: VrdeServerInfo
}
