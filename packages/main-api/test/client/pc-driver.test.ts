// The built-in PC driver end to end: the Boxwood BIOS boots the boot sector of a VDI disk on the IDE controller, on
// the @boxwood/vmm CPU in the VM process; the guest's COM1 output lands in the RawFile of the serial port settings,
// the VGA screen can be captured, and the keyboard and ACPI button are wired.
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openImage } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'
import {
  AccessMode,
  BitmapFormat,
  CleanupMode,
  DeviceType,
  LockType,
  MachineState,
  PlatformArchitecture,
  PortMode,
  SessionState,
  StorageBus,
  openVirtualBox,
} from '../../src/index'
import type { IMachine, IVirtualBoxClient } from '../../src/index'
import { finish, listFiles, tempDir, waitFor } from '../helpers'

// xor ax,ax; mov ds,ax; mov dx,0x3f8; mov si,msg; l: lodsb; test al,al; jz d; out dx,al; jmp l; d: cli; hlt; jmp $-1
const CODE = [
  0x31, 0xc0, 0x8e, 0xd8, 0xba, 0xf8, 0x03, 0xbe, 0x16, 0x7c, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xfa,
  0xf4, 0xeb, 0xfd,
]
const MESSAGE = 'BOXWOOD OK\r\n'

function bootSector(): Uint8Array {
  const sector = new Uint8Array(512)
  sector.set(CODE)
  sector.set(new TextEncoder().encode(`${MESSAGE}\0`), 0x16)
  sector[510] = 0x55
  sector[511] = 0xaa
  return sector
}

describe('built-in PC driver', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let client: IVirtualBoxClient
  let machine: IMachine
  let log: string

  beforeAll(async () => {
    delete process.env.BOXWOOD_MACHINE_DRIVER
    dir = await tempDir('pc')
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    const vbox = client.virtualBox
    await (await vbox.getSystemProperties()).setDefaultMachineFolder(join(dir.path, 'VMs'))
    machine = await vbox.createMachine('', 'pc', PlatformArchitecture.x86, [], 'Other', '')
    await machine.setMemorySize(16)
    await machine.setBootOrder(1, DeviceType.HardDisk)
    await machine.addStorageController('IDE', StorageBus.IDE)
    const disk = await vbox.createMedium(
      'VDI',
      join(dir.path, 'VMs', 'pc', 'pc.vdi'),
      AccessMode.ReadWrite,
      DeviceType.HardDisk,
    )
    expect(await finish(await disk.createBaseStorage(1024 * 1024, []))).toMatchObject({ code: 0 })
    const image = await openImage(nodeDiskHost(), await disk.getLocation())
    await image.write(0, bootSector())
    await image.close()
    await machine.attachDevice('IDE', 0, 0, DeviceType.HardDisk, disk)
    log = join(dir.path, 'com1.log')
    const com1 = await machine.getSerialPort(0)
    await com1.setPath(log)
    await com1.setHostMode(PortMode.RawFile)
    await com1.setEnabled(true)
    await machine.saveSettings()
    await vbox.registerMachine(machine)
  })
  afterAll(async () => {
    await client.close()
    await dir.cleanup()
  })

  it("boots the IDE disk through the BIOS, writes the guest's serial output to the file, and powers off", async () => {
    const session = await client.getSession()
    expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
    expect(await machine.getState()).toBe(MachineState.Running)
    await waitFor(
      async () => (await readFile(log, 'utf8').catch(() => '')).includes('BOXWOOD OK'),
      15000,
      'guest serial output',
    )
    const console = (await session.getConsole())!
    const display = await console.getDisplay()
    const resolution = await display.getScreenResolution(0)
    expect(resolution.width).toBeGreaterThan(0)
    const png = await display.takeScreenShotToArray(0, 0, 0, BitmapFormat.PNG)
    const file = join(dir.path, 'screen.png')
    await writeFile(file, png)
    expect(execFileSync('identify', ['-format', '%m %w %h', file]).toString()).toBe(
      `PNG ${resolution.width} ${resolution.height}`,
    )
    expect(await (await console.getKeyboard()).putScancodes([0x1c, 0x9c])).toBe(2) // the PS/2 keyboard takes them
    await console.powerButton() // the ACPI button reaches the PM device (this guest does not act on it)
    expect(await finish(await console.powerDown())).toMatchObject({ code: 0 })
    expect(await machine.getState()).toBe(MachineState.PoweredOff)
    expect(await readFile(log, 'utf8')).toBe(MESSAGE)
  })

  it("saves the running PC's state through the VMM and resumes from it", async () => {
    const session = await client.getSession()
    expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
    await waitFor(
      async () => (await readFile(log, 'utf8').catch(() => '')).includes('BOXWOOD OK'),
      15000,
      'guest serial output',
    )
    const shared = await client.getSession()
    await machine.lockMachine(shared, LockType.Shared)
    expect(await finish(await (await shared.getMachine()).saveState())).toMatchObject({ code: 0 })
    expect(await machine.getState()).toBe(MachineState.Saved)
    const saved = await readFile(await machine.getStateFilePath())
    // The VMM's saved-state container ("BXWDSSM\0"), with the CPU, RAM and device units.
    expect(new TextDecoder().decode(saved.subarray(0, 7))).toBe('BXWDSSM')
    expect(saved.length).toBeGreaterThan(4096)
    await waitFor(async () => (await machine.getSessionState()) === SessionState.Unlocked, 5000, 'unlock')
    const again = await client.getSession()
    expect(await finish(await machine.launchVMProcess(again, 'headless', []))).toMatchObject({ code: 0 })
    expect(await machine.getState()).toBe(MachineState.Running)
    // Resumed past the point where the guest printed: the (truncated) COM1 file gets no new output.
    await new Promise((r) => setTimeout(r, 300))
    expect(await readFile(log, 'utf8')).toBe('')
    expect(await finish(await (await again.getConsole())!.powerDown())).toMatchObject({ code: 0 })
  })

  it('cleans up', async () => {
    const media = await machine.unregister(CleanupMode.Full)
    expect(await finish(await machine.deleteConfig(media))).toMatchObject({ code: 0 })
    expect(await listFiles(join(dir.path, 'VMs'))).toEqual([])
  })
})
