// The narrow "machine driver" contract between the VM process's Console and whatever runs the guest (the PC built
// from @boxwood/vmm + @boxwood/devices, or an embedder's machine). Follows the split of VirtualBox's ConsoleImpl
// (src-client) from the VMM it drives through VMR3PowerOn/VMR3Suspend/PDMR3PowerOff and the display/keyboard drivers.
import { pathToFileURL } from 'node:url'
import { isAbsolute, resolve } from 'node:path'
import { VBoxError } from '../api/errors'
import type { DisplaySource, InputSink } from '@boxwood/devices'
import type { MachineSettings } from '../settings/machine-settings'

/** A medium the machine uses, resolved to a file (the chain is opened by the driver through @boxwood/devices/disk). */
export interface DriverMedium {
  readonly id: string
  readonly location: string
  readonly format: string
  readonly deviceType: number
  /** Parent UUID → location, for opening differencing chains. */
  readonly parents: Readonly<Record<string, string>>
  /**
   * Locations of the image and its parents, top first. A parent without a UUID (a raw base, which a
   * differencing image links as {00000000-…}) is found by its position here.
   */
  readonly chain?: readonly string[]
}

/** What the VM process passes to a driver factory. */
export interface MachineDriverConfig {
  readonly machineId: string
  readonly name: string
  readonly machineFolder: string
  readonly settings: MachineSettings
  readonly media: readonly DriverMedium[]
  /** Absolute path of a saved state to resume from (the VM process reads it and passes it to powerUp). */
  readonly stateFilePath?: string
}

/** Something that happened inside the machine. */
export type MachineDriverEvent =
  /** The guest powered itself off (ACPI S5, or a halt the driver treats as the end of the run). */
  | { readonly kind: 'poweredOff' }
  /** Unrecoverable guest or emulation failure (VirtualBox "guru meditation" → Stuck). */
  | { readonly kind: 'guruMeditation'; readonly message: string }
  /** The screen mode changed (sent by the VM process from the display's mode changes). */
  | { readonly kind: 'resolution'; readonly screenId: number; readonly width: number; readonly height: number }
  /** The remote display server's state changed. */
  | { readonly kind: 'vrde' }

/**
 * The machine as the Console drives it. The screen and the keyboard/mouse use the backend contracts of
 * @boxwood/devices (the VGA device is a DisplaySource, the PS/2 controller an InputSink), so the VRDE server and
 * screenshots read the guest's framebuffer directly.
 */
export interface MachineDriver {
  /** Starts executing the guest: power-on reset first, or resumes exactly where `savedState` left off. */
  powerUp(savedState?: Uint8Array): Promise<void>
  /**
   * Pauses the guest and returns its complete state (VMM saved-state container) for Machine.saveState; the VM
   * process then powers the driver down. Drivers without it cannot save state.
   */
  saveState?(): Promise<Uint8Array>
  /** Stops the guest for good and releases its resources (images are flushed and closed). */
  powerDown(): Promise<void>
  pause(): Promise<void>
  resume(): Promise<void>
  /** Hard reset. */
  reset(): Promise<void>
  /** Presses the ACPI power button; resolves true when the guest's ACPI code handled it. */
  powerButton(): Promise<boolean>
  /** The primary screen, when the machine has a graphics device. */
  readonly display: DisplaySource | undefined
  /** Keyboard and mouse, when the machine has input devices. */
  readonly input: InputSink | undefined
  /** Asks the guest for a video mode (IDisplay.setVideoModeHint); optional. */
  setVideoModeHint?(screenId: number, width: number, height: number, bitsPerPixel: number): void
  /** Registers the listener for machine events. */
  onEvent(listener: (event: MachineDriverEvent) => void): void
}

/** Creates the machine for a configuration. */
export type MachineDriverFactory = (config: MachineDriverConfig) => Promise<MachineDriver>

/**
 * The environment variable naming a module whose `createMachineDriver` export is the factory to use (embedders
 * plugging their own machine into the Main API; the test suite's machine). Inherited by the VM process.
 */
export const MACHINE_DRIVER_ENV = 'BOXWOOD_MACHINE_DRIVER'

/** Finds the machine driver factory: the module named by BOXWOOD_MACHINE_DRIVER, else the built-in PC. */
export async function loadMachineDriverFactory(env: NodeJS.ProcessEnv = process.env): Promise<MachineDriverFactory> {
  const module = env[MACHINE_DRIVER_ENV]
  if (module) {
    const url = module.startsWith('file:') ? module : pathToFileURL(isAbsolute(module) ? module : resolve(module)).href
    const loaded = (await import(url)) as { createMachineDriver?: unknown }
    if (typeof loaded.createMachineDriver !== 'function')
      throw new VBoxError(
        'VBOX_E_PDM_ERROR',
        `The machine driver module '${module}' does not export createMachineDriver`,
        'Console',
      )
    return loaded.createMachineDriver as MachineDriverFactory
  }
  const { createPcDriver } = await import('./pc-driver')
  return createPcDriver
}
