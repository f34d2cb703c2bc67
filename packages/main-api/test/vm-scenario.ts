// The running-VM part of the scenario, against the public API, in-process and through the service:
// launch headless, watch the state events, screenshot, input, pause/resume, power down, a killed VM process
// leaving the machine Aborted, and per-VM metrics. The guest is the test-only machine driver
// (test/fixtures/test-machine-driver.ts) until the PC platform exists.
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BitmapFormat,
  CleanupMode,
  LockType,
  MachineState,
  PlatformArchitecture,
  SessionState,
  SessionType,
  VBoxEventType,
  openEventStream,
} from '../src/index'
import type { IMachine, IVirtualBoxClient, MachineStateChangedEvent, VBoxEvent } from '../src/index'
import { VM_PROCESS_V8_OPTIONS } from '../src/process/entry-points'
import { canConnect, finish, freePort, listFiles, tempDir, waitFor } from './helpers'

/** Path of the test machine driver module. */
export const testDriver = join(import.meta.dirname, 'fixtures', 'test-machine-driver.ts')

/**
 * `restart` makes the API go away abruptly (the service killed, or the in-process client closed) and returns a new
 * client on the same home folder.
 */
export function defineVmScenario(
  label: string,
  connect: (home: string) => Promise<IVirtualBoxClient>,
  restart: (home: string, old: IVirtualBoxClient) => Promise<IVirtualBoxClient>,
): void {
  describe(`running VMs (${label})`, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    let client: IVirtualBoxClient
    let machine: IMachine
    let id: string
    const events: VBoxEvent[] = []
    const abort = new AbortController()
    let collecting: Promise<void> | undefined

    const states = () =>
      events
        .filter(
          (e): e is MachineStateChangedEvent => e.type === VBoxEventType.OnMachineStateChanged && e.machineId === id,
        )
        .map((e) => e.state)

    beforeAll(async () => {
      dir = await tempDir(`vm-${label}`)
      client = await connect(join(dir.path, 'home'))
      const vbox = client.virtualBox
      await (await vbox.getSystemProperties()).setDefaultMachineFolder(join(dir.path, 'VMs'))
      machine = await vbox.createMachine('', 'runner', PlatformArchitecture.x86, [], 'Other', '')
      await machine.setMemorySize(200)
      await machine.saveSettings()
      await vbox.registerMachine(machine)
      id = await machine.getId()
      const stream = await openEventStream(await vbox.getEventSource(), [VBoxEventType.MachineEvent], {
        pollMs: 100,
        signal: abort.signal,
      })
      collecting = (async () => {
        for await (const e of stream) events.push(e)
      })().catch(() => undefined) // the stream ends with an error when its service is killed
    })

    afterAll(async () => {
      abort.abort()
      await collecting?.catch(() => undefined)
      await client?.close()
      await dir.cleanup()
    })

    it('launches headless, goes PoweredOff → Starting → Running, and routes console calls to the VM process', async () => {
      const session = await client.getSession()
      const progress = await machine.launchVMProcess(session, 'headless', [])
      expect(await progress.getOperationCount()).toBe(2)
      expect(await progress.getDescription()).toBe('Starting VM')
      expect(await finish(progress)).toMatchObject({ code: 0 })
      expect(await machine.getState()).toBe(MachineState.Running)
      expect(await machine.getSessionState()).toBe(SessionState.Locked)
      expect(await machine.getSessionName()).toBe('headless')
      const pid = await machine.getSessionPID()
      expect(pid).toBeGreaterThan(0)
      expect(pid).not.toBe(process.pid)
      // It runs with the V8 options tuned for the CPU (process/entry-points.ts).
      if (process.platform === 'linux') {
        const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
        for (const option of VM_PROCESS_V8_OPTIONS) expect(argv).toContain(option)
      }
      expect(await session.getType()).toBe(SessionType.Remote)
      const console = await session.getConsole()
      expect(console).not.toBeNull()
      // The VM process holds the machine: a write lock is refused, a shared lock links to the console.
      const other = await client.getSession()
      await expect(machine.lockMachine(other, LockType.Write)).rejects.toMatchObject({
        code: 'VBOX_E_INVALID_OBJECT_STATE',
      })
      await machine.lockMachine(other, LockType.Shared)
      expect(await other.getType()).toBe(SessionType.Shared)
      const shared = await other.getConsole()
      expect(await shared?.getState()).toBe(MachineState.Running)
      await other.unlockMachine()
      await session.unlockMachine()
      expect(await machine.getState()).toBe(MachineState.Running) // the VM keeps its own lock
      await waitFor(() => states().includes(MachineState.Running), 5000, 'Running event')
      expect(states().slice(0, 2)).toEqual([MachineState.Starting, MachineState.Running])
    })

    it('takes a PNG screenshot that ImageMagick reads, and delivers keyboard input', async () => {
      const session = await client.getSession()
      await machine.lockMachine(session, LockType.Shared)
      const console = await session.getConsole()
      const display = await console!.getDisplay()
      expect(await display.getScreenResolution(0)).toMatchObject({ width: 640, height: 480, bitsPerPixel: 32 })
      expect(await (await console!.getKeyboard()).putScancodes([0x1e, 0x9e, 0x30])).toBe(3)
      const png = await display.takeScreenShotToArray(0, 0, 0, BitmapFormat.PNG)
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      const file = join(dir.path, 'shot.png')
      await writeFile(file, png)
      // Oracle: ImageMagick decodes the file and reports its size and the pixels the driver drew.
      expect(execFileSync('identify', ['-format', '%m %w %h', file]).toString()).toBe('PNG 640 480')
      const first = execFileSync('convert', [file, '-format', '%[pixel:p{0,0}] %[pixel:p{5,5}]', 'info:']).toString()
      expect(first).toMatch(/^srgba?\(3,0,0(,1)?\) srgba?\(200,64,255(,1)?\)$/)
      const small = await display.takeScreenShotToArray(0, 320, 240, BitmapFormat.RGBA)
      expect(small.length).toBe(320 * 240 * 4)
      await expect(display.takeScreenShotToArray(1, 0, 0, BitmapFormat.PNG)).rejects.toMatchObject({
        code: 'E_INVALIDARG',
      })
      // A hint is kept by the VM (VirtualBox keeps it for guests without additions); a disabled one is not
      // passed to the guest, so the screen keeps its size.
      expect(await display.getVideoModeHint(0)).toMatchObject({ enabled: true, width: 0, height: 0, bitsPerPixel: 0 })
      await display.setVideoModeHint(0, false, true, 8, 16, 1024, 768, 32, true)
      expect(await display.getVideoModeHint(0)).toEqual({
        enabled: false,
        changeOrigin: true,
        originX: 8,
        originY: 16,
        width: 1024,
        height: 768,
        bitsPerPixel: 32,
      })
      expect(await display.getScreenResolution(0)).toMatchObject({ width: 640, height: 480 })
      await expect(display.getVideoModeHint(1)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
      await session.unlockMachine()
    })

    it('pauses, resumes and powers down: Running → Paused → Running → Stopping → PoweredOff', async () => {
      const session = await client.getSession()
      await machine.lockMachine(session, LockType.Shared)
      const console = (await session.getConsole())!
      await console.pause()
      expect(await machine.getState()).toBe(MachineState.Paused)
      await expect(console.pause()).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      await console.resume()
      const progress = await console.powerDown()
      expect(await finish(progress)).toMatchObject({ code: 0 })
      expect(await machine.getState()).toBe(MachineState.PoweredOff)
      await waitFor(async () => (await machine.getSessionState()) === SessionState.Unlocked, 5000, 'unlock')
      expect(await session.getState()).toBe(SessionState.Unlocked)
      await waitFor(() => states().at(-1) === MachineState.PoweredOff, 5000, 'PoweredOff event')
      expect(states()).toEqual([
        MachineState.Starting,
        MachineState.Running,
        MachineState.Paused,
        MachineState.Running,
        MachineState.Stopping,
        MachineState.PoweredOff,
      ])
    })

    it('reports host and per-VM metrics with aggregates', async () => {
      const perf = await client.virtualBox.getPerformanceCollector()
      const host = await client.virtualBox.getHost()
      const session = await client.getSession()
      expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
      // A running VM's metrics are registered at power-on, before anyone sets them up.
      const registered = await perf.getMetrics(['CPU/Load/User:', 'RAM/Usage/Used:max'], [machine])
      expect(registered.map((m) => [m.metricName, m.period])).toEqual([
        ['CPU/Load/User', 0],
        ['RAM/Usage/Used:max', 0],
      ])
      await perf.setupMetrics(['CPU/Load', 'RAM/Usage'], [host, machine], 1, 5)
      // Samples come every second (the VM's from its process): query until both objects have their first ones.
      const query = () =>
        perf.queryMetricsData(['CPU/Load/User', 'RAM/Usage/Used:avg', 'RAM/Usage/Used:max'], [host, machine])
      let data = await query()
      const sampled = (name: string, object: unknown) =>
        data.returnMetricNames.some(
          (n, k) => n === name && data.returnObjects[k] === object && (data.returnDataLengths[k] ?? 0) > 0,
        )
      await waitFor(
        async () => {
          if (sampled('RAM/Usage/Used:avg', host) && sampled('RAM/Usage/Used:max', machine)) return true
          data = await query()
          return false
        },
        20000,
        'the first samples',
      )
      const names = data.returnMetricNames
      expect(names).toContain('CPU/Load/User')
      expect(names).toContain('CPU/Load/User:avg')
      expect(names).toContain('RAM/Usage/Used:avg')
      expect(names).not.toContain('RAM/Usage/Total')
      const value = (name: string, object: unknown) => {
        const i = names.findIndex((n, k) => n === name && data.returnObjects[k] === object)
        return data.returnData.slice(
          data.returnDataIndices[i],
          (data.returnDataIndices[i] ?? 0) + (data.returnDataLengths[i] ?? 0),
        )
      }
      const hostRam = value('RAM/Usage/Used:avg', host)[0] ?? 0
      expect(hostRam).toBeGreaterThan(1024)
      const vmRam = value('RAM/Usage/Used:max', machine)[0] ?? 0
      expect(vmRam).toBeGreaterThan(1024) // a Node process has more than 1 MB resident
      expect(vmRam).toBeLessThan(hostRam)
      expect(data.returnScales[names.indexOf('CPU/Load/User')]).toBe(1000)
      for (const v of value('CPU/Load/User', host)) expect(v).toBeGreaterThanOrEqual(0)
      await session.unlockMachine()
    })

    it('leaves the machine Aborted when the VM process dies, and the service keeps serving', async () => {
      const pid = await machine.getSessionPID()
      expect(await machine.getState()).toBe(MachineState.Running)
      process.kill(pid, 'SIGKILL')
      await waitFor(async () => (await machine.getState()) === MachineState.Aborted, 10000, 'Aborted')
      await waitFor(async () => (await machine.getSessionState()) === SessionState.Unlocked, 5000, 'unlock')
      expect(await client.virtualBox.getVersion()).toMatch(/^7\.1/)
      const path = await machine.getSettingsFilePath()
      await waitFor(async () => (await readFile(path, 'utf8')).includes('aborted="true"'), 5000, 'aborted marker')
      expect((await readFile(path, 'utf8')).includes('<Memory RAMSize="200"/>')).toBe(true)
    })

    it('starts again from Aborted; the ACPI power button lets the guest power off', async () => {
      const session = await client.getSession()
      expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
      const console = (await session.getConsole())!
      await console.powerButton()
      expect(await console.getPowerButtonHandled()).toBe(true)
      await waitFor(async () => (await machine.getState()) === MachineState.PoweredOff, 10000, 'guest power-off')
      await waitFor(async () => (await session.getState()) === SessionState.Unlocked, 5000, 'session release')
    })

    it('reports a failed power-up through the progress and stays powered off', async () => {
      const session = await client.getSession()
      const progress = await machine.launchVMProcess(session, 'headless', ['BOXWOOD_TEST_FAIL_POWERUP=1'])
      const result = await finish(progress)
      expect(result.code).not.toBe(0)
      expect(result.text).toMatch(/refused to power up/)
      expect(await machine.getState()).toBe(MachineState.PoweredOff)
      expect(await machine.getSessionState()).toBe(SessionState.Unlocked)
      await expect(machine.launchVMProcess(session, 'gui', [])).rejects.toMatchObject({ code: 'VBOX_E_NOT_SUPPORTED' })
      await expect(machine.launchVMProcess(session, 'bogus', [])).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    })

    it("serves the screen over VNC from the machine's VRDE settings (checked with vncsnapshot)", async () => {
      const port = await freePort()
      const lock = await client.getSession()
      await machine.lockMachine(lock, LockType.Write)
      const vrde = await (await lock.getMachine()).getVRDEServer()
      await vrde.setEnabled(true)
      await vrde.setVRDEExtPack('VNC')
      await vrde.setVRDEProperty('TCP/Ports', String(port))
      await vrde.setVRDEProperty('TCP/Address', '127.0.0.1')
      await (await lock.getMachine()).saveSettings()
      await lock.unlockMachine()
      const session = await client.getSession()
      expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
      const console = (await session.getConsole())!
      expect(await console.getVRDEServerInfo()).toMatchObject({ active: true, port })
      const shot = join(dir.path, 'vnc.jpg')
      // Oracle: a real VNC client grabs the screen; ImageMagick reads the size and the (JPEG-rounded) colour.
      execFileSync('vncsnapshot', ['-quiet', `127.0.0.1::${port}`, shot], { timeout: 20000, stdio: 'ignore' })
      expect(execFileSync('identify', ['-format', '%w %h', shot]).toString()).toBe('640 480')
      const pixel = execFileSync('convert', [
        shot,
        '-format',
        '%[fx:int(255*p{100,100}.r)] %[fx:int(255*p{100,100}.b)]',
        'info:',
      ]).toString()
      const [r, b] = pixel.split(' ').map(Number)
      expect(Math.abs((r ?? 0) - 200)).toBeLessThan(12)
      expect(b).toBeGreaterThan(240)
      expect(await finish(await console.powerDown())).toMatchObject({ code: 0 })
    })

    it('changes the VRDE server of the running VM through a Shared session (controlvm vrde / vrdeport)', async () => {
      const session = await client.getSession()
      expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
      const console = (await session.getConsole())!
      const first = (await console.getVRDEServerInfo()).port
      expect(await canConnect(first)).toBe(true)
      const consoleEvents = await (await console.getEventSource()).createListener()
      await (await console.getEventSource()).registerListener(consoleEvents, [VBoxEventType.Any], false)
      // VBoxManage's recipe: a Shared lock, the session's machine, a setter, saveSettings.
      const shared = await client.getSession()
      await machine.lockMachine(shared, LockType.Shared)
      const live = await shared.getMachine()
      const vrde = await live.getVRDEServer()
      const port = await freePort()
      await vrde.setVRDEProperty('TCP/Ports', String(port))
      expect(await console.getVRDEServerInfo()).toMatchObject({ active: true, port })
      expect(await canConnect(port)).toBe(true)
      expect(await canConnect(first)).toBe(false)
      // Settings a running VM cannot take stay refused.
      await expect(live.setMemorySize(64)).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      await expect(vrde.setVRDEExtPack('')).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      await live.saveSettings()
      expect(await (await machine.getVRDEServer()).getVRDEProperty('TCP/Ports')).toBe(String(port))
      expect(await readFile(await machine.getSettingsFilePath(), 'utf8')).toContain(
        `<Property name="TCP/Ports" value="${port}"/>`,
      )
      await vrde.setEnabled(false)
      expect(await console.getVRDEServerInfo()).toMatchObject({ active: false, port: -1 })
      expect(await canConnect(port)).toBe(false)
      // Unsaved live changes are dropped by discardSettings: the server comes back on the saved port.
      await live.discardSettings()
      expect(await console.getVRDEServerInfo()).toMatchObject({ active: true, port })
      // A port another program holds: the change fails, and the VM keeps its server and settings.
      const blocker = createServer()
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
      const taken = (blocker.address() as { port: number }).port
      await expect(vrde.setVRDEProperty('TCP/Ports', String(taken))).rejects.toMatchObject({ code: 'E_FAIL' })
      blocker.close()
      expect(await vrde.getVRDEProperty('TCP/Ports')).toBe(String(port))
      expect(await console.getVRDEServerInfo()).toMatchObject({ active: true, port })
      const seen: number[] = []
      for (let e = await (await console.getEventSource()).getEvent(consoleEvents, 0); e;) {
        seen.push(e.type)
        e = await (await console.getEventSource()).getEvent(consoleEvents, 0)
      }
      expect(seen).toContain(VBoxEventType.OnVRDEServerChanged)
      expect(seen).toContain(VBoxEventType.OnVRDEServerInfoChanged)
      await shared.unlockMachine()
      expect(await finish(await console.powerDown())).toMatchObject({ code: 0 })
      expect(await (await machine.getVRDEServer()).getEnabled()).toBe(true)
    })

    it('saves the execution state (→ Saved) and restores it on the next start (Restoring → Running)', async () => {
      const session = await client.getSession()
      expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
      const console = (await session.getConsole())!
      await (await console.getKeyboard()).putScancodes([0x1e, 0x9e, 0x1f, 0x9f, 0x20])
      const shared = await client.getSession()
      await machine.lockMachine(shared, LockType.Shared)
      await expect(machine.saveState()).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      expect(await finish(await (await shared.getMachine()).saveState())).toMatchObject({ code: 0 })
      expect(await machine.getState()).toBe(MachineState.Saved)
      const stateFile = await machine.getStateFilePath()
      expect(stateFile).toMatch(/Snapshots\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d+Z\.sav$/)
      expect(await readFile(await machine.getSettingsFilePath(), 'utf8')).toMatch(/stateFile="Snapshots\/[^"]+\.sav"/)
      await waitFor(async () => (await machine.getSessionState()) === SessionState.Unlocked, 5000, 'unlock')
      const again = await client.getSession()
      expect(await finish(await machine.launchVMProcess(again, 'headless', []))).toMatchObject({ code: 0 })
      expect(await machine.getState()).toBe(MachineState.Running)
      expect(await machine.getStateFilePath()).toBe('')
      const restored = (await again.getConsole())!
      const rgba = await (await restored.getDisplay()).takeScreenShotToArray(0, 0, 0, BitmapFormat.RGBA)
      expect(rgba[0]).toBe(5) // the guest's input counter survived the save/restore
      expect(states()).toEqual(
        expect.arrayContaining([MachineState.Saving, MachineState.Saved, MachineState.Restoring]),
      )
      expect(await finish(await restored.powerDown())).toMatchObject({ code: 0 })
    })

    it('keeps the VM running when the API process goes away, and re-attaches it', async () => {
      const session = await client.getSession()
      expect(await finish(await machine.launchVMProcess(session, 'headless', []))).toMatchObject({ code: 0 })
      const pid = await machine.getSessionPID()
      client = await restart(join(dir.path, 'home'), client)
      machine = await client.virtualBox.findMachine('runner')
      expect(await machine.getState()).toBe(MachineState.Running)
      expect(await machine.getSessionPID()).toBe(pid)
      const shared = await client.getSession()
      await machine.lockMachine(shared, LockType.Shared)
      const console = (await shared.getConsole())!
      expect((await (await console.getDisplay()).getScreenResolution(0)).width).toBe(640)
      expect(await finish(await console.powerDown())).toMatchObject({ code: 0 })
      expect(await machine.getState()).toBe(MachineState.PoweredOff)
    })

    it('LockType.VM gives a console that powers the VM up; LockType.Write gives the settings only', async () => {
      const writer = await client.getSession()
      await machine.lockMachine(writer, LockType.Write)
      expect(await writer.getType()).toBe(SessionType.WriteLock)
      expect(await writer.getConsole()).toBeNull()
      await writer.unlockMachine()

      const host = await client.getSession()
      await machine.lockMachine(host, LockType.VM)
      expect(await host.getType()).toBe(SessionType.WriteLock)
      const console = (await host.getConsole())!
      expect(console).not.toBeNull()
      expect(await console.getState()).toBe(MachineState.PoweredOff)
      await expect(console.getDisplay()).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      // Exclusive like Write: no second lock, no launch by someone else.
      const other = await client.getSession()
      await expect(machine.lockMachine(other, LockType.Write)).rejects.toMatchObject({
        code: 'VBOX_E_INVALID_OBJECT_STATE',
      })
      await expect(machine.launchVMProcess(other, 'headless', [])).rejects.toMatchObject({
        code: 'VBOX_E_INVALID_OBJECT_STATE',
      })
      expect(await finish(await console.powerUp())).toMatchObject({ code: 0 })
      expect(await machine.getState()).toBe(MachineState.Running)
      expect(await console.getState()).toBe(MachineState.Running)
      expect(await client.virtualBox.getMachineStates([machine])).toEqual([MachineState.Running])
      const size = await (await console.getDisplay()).getScreenResolution(0)
      expect(size.width).toBe(640)
      await expect(console.powerUp()).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      // The hosting session changes the VRDE server live like a Shared one; discarding keeps its lock usable.
      const hostMachine = await host.getMachine()
      const address = await (await hostMachine.getVRDEServer()).getVRDEProperty('TCP/Address')
      await (await hostMachine.getVRDEServer()).setVRDEProperty('TCP/Address', '0.0.0.0')
      expect(await (await hostMachine.getVRDEServer()).getVRDEProperty('TCP/Address')).toBe('0.0.0.0')
      await hostMachine.discardSettings()
      expect(await (await hostMachine.getVRDEServer()).getVRDEProperty('TCP/Address')).toBe(address)
      await expect(hostMachine.setMemorySize(64)).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      // A Shared lock links to the hosting session's running VM.
      await machine.lockMachine(other, LockType.Shared)
      expect(await (await other.getConsole())?.getState()).toBe(MachineState.Running)
      await other.unlockMachine()
      // The VM lives as long as the session that hosts it.
      await host.unlockMachine()
      await waitFor(async () => (await machine.getState()) === MachineState.PoweredOff, 10000, 'hosted VM stop')
      await waitFor(async () => (await machine.getSessionState()) === SessionState.Unlocked, 5000, 'unlock')
      // The lock is free again.
      await machine.lockMachine(other, LockType.Write)
      await other.unlockMachine()
      // A VM lock on a powered-off machine keeps a mutable machine after a power-up and power-down.
      await machine.lockMachine(host, LockType.VM)
      const again = (await host.getConsole())!
      expect(await finish(await again.powerUp())).toMatchObject({ code: 0 })
      expect(await finish(await again.powerDown())).toMatchObject({ code: 0 })
      await waitFor(async () => (await machine.getState()) === MachineState.PoweredOff, 10000, 'power-off')
      const editable = await host.getMachine()
      await editable.setMemorySize(201)
      await editable.saveSettings()
      expect(await machine.getMemorySize()).toBe(201)
      expect(await machine.getSessionState()).toBe(SessionState.Locked)
      await host.unlockMachine()
      expect(await machine.getSessionState()).toBe(SessionState.Unlocked)
    })

    it('deletes the machine and its log folder', async () => {
      const media = await machine.unregister(CleanupMode.Full)
      expect(await finish(await machine.deleteConfig(media))).toMatchObject({ code: 0 })
      expect(await listFiles(join(dir.path, 'VMs'))).toEqual([])
    })
  })
}
