// Messages between the service (or in-process VirtualBox) and a VM process, over the VM's control socket
// (vm-channel.ts). VirtualBox uses its IPC for the same.
import type { VirtualBoxErrorInfo } from '../api/errors'
import type { VideoModeHint } from '../api/interfaces'
import type { VrdeSettings } from '../settings/machine-settings'
import type { MachineDriverConfig, MachineDriverEvent } from './machine-driver'

/** Calls the service makes on the VM process's Console. */
export interface VmMethods {
  powerUp(config: MachineDriverConfig): void
  powerDown(): void
  /** Saves the machine's state into `path`; the VM process then powers down and exits. */
  saveState(path: string): void
  pause(): void
  resume(): void
  reset(): void
  powerButton(): boolean
  getScreenResolution(screenId: number): { width: number; height: number; bitsPerPixel: number }
  takeScreenshot(screenId: number): { width: number; height: number; rgba: Uint8Array }
  /** Records the hint (VirtualBox keeps it for guests that can't take it yet) and passes it on if the guest can. */
  setVideoModeHint(screenId: number, hint: VideoModeHint): void
  getVideoModeHint(screenId: number): VideoModeHint
  putScancodes(scancodes: number[]): number
  getMouseCapabilities(): { absolute: boolean; relative: boolean }
  putMouseEvent(dx: number, dy: number, dz: number, dw: number, buttons: number): void
  putMouseEventAbsolute(x: number, y: number, dz: number, dw: number, buttons: number): void
  getVRDEServerInfo(): { active: boolean; port: number; numberOfClients: number }
  /** Restarts the remote display server with new settings (stops it when they disable it). */
  setVRDE(settings: VrdeSettings): void
}
export type VmMethod = keyof VmMethods

/** Service → VM process. */
export interface VmRequest {
  readonly type: 'request'
  readonly id: number
  readonly method: VmMethod
  readonly args: unknown[]
}

/** What a VM process reports when a service connects: its identity and whether the machine runs. */
export interface VmHello {
  readonly type: 'hello'
  readonly pid: number
  readonly machineId: string
  /** 'created' before powerUp; 'running'/'paused' while the machine runs. */
  readonly status: 'created' | 'running' | 'paused'
  readonly frontend: string
}

/** VM process → service. */
export type VmMessage =
  | VmHello
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: VirtualBoxErrorInfo }
  | { readonly type: 'event'; readonly event: MachineDriverEvent }
  | { readonly type: 'usage'; readonly cpuUserUs: number; readonly cpuSystemUs: number; readonly rssBytes: number }
