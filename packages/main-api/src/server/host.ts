// IHost: the host's processors, memory and OS as Node reports them (VirtualBox src/VBox/Main/src-server/HostImpl.cpp).
import { randomBytes } from 'node:crypto'
import { cpus, freemem, platform, release, totalmem, version } from 'node:os'
import { VBoxError } from '../api/errors'
import type { IHost, IMedium } from '../api/interfaces'
import { ApiObject } from './api-object'

/** VirtualBox's OUI for generated MAC addresses (08:00:27). */
export const VIRTUALBOX_MAC_PREFIX = '080027'

/** Generates a MAC address with VirtualBox's prefix, 12 hex digits without separators. */
export function generateMacAddress(): string {
  return VIRTUALBOX_MAC_PREFIX + randomBytes(3).toString('hex').toUpperCase()
}

/** The host. */
export class HostImpl extends ApiObject implements IHost {
  readonly interfaceName = 'IHost'
  async getProcessorCount() {
    return cpus().length
  }
  async getProcessorOnlineCount() {
    return cpus().length
  }
  async getProcessorCoreCount() {
    return cpus().length
  }
  async getProcessorDescription(cpuId: number) {
    return this.cpu(cpuId).model.trim()
  }
  async getProcessorSpeed(cpuId: number) {
    return this.cpu(cpuId).speed
  }
  async getMemorySize() {
    return Math.floor(totalmem() / (1024 * 1024))
  }
  async getMemoryAvailable() {
    return Math.floor(freemem() / (1024 * 1024))
  }
  async getOperatingSystem() {
    return platform() === 'linux' ? 'Linux' : platform() === 'darwin' ? 'Darwin' : platform()
  }
  async getOSVersion() {
    return `${release()} ${version()}`
  }
  async getUTCTime() {
    return Date.now()
  }
  async getDVDDrives(): Promise<IMedium[]> {
    return []
  }
  async getFloppyDrives(): Promise<IMedium[]> {
    return []
  }
  async generateMACAddress() {
    return generateMacAddress()
  }
  private cpu(cpuId: number) {
    const cpu = cpus()[cpuId]
    if (!cpu) throw new VBoxError('E_INVALIDARG', `Invalid CPU id ${cpuId}`, 'Host')
    return cpu
  }
}
