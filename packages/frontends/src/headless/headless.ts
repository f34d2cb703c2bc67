// `boxheadless --startvm <vm> [--vrde on|off|config] [--vrdeproperty NAME=VALUE]…`: runs a VM in the foreground
// like VBoxHeadless (vbox-api.md §5.11). It starts the VM process through the Main API, prints where the remote
// display listens, waits until the VM stops, and on SIGINT/SIGTERM saves the VM's state as VBoxHeadless does
// (powering it off instead when its machine cannot save).
import { Command, CommanderError } from 'commander'
import { LockType, MachineState, machineStateShortNames } from '@boxwood/main-api/client'
import type { IMachine, IVirtualBoxClient } from '@boxwood/main-api/client'
import { errorLines, ExitCode, UsageError } from '../cli/errors'
import type { CliIo } from '../cli/io'
import { parseOnOff } from '../cli/options'
import { BOXWOOD_VERSION } from '../cli/version'

/** What the headless runner needs from its host process. */
export interface HeadlessOptions {
  readonly io: CliIo
  readonly connect: () => Promise<IVirtualBoxClient>
  /** Resolves when the user asks to stop (Ctrl-C); the runner then powers the VM off. */
  readonly interrupted: Promise<void>
  /** How often the machine state is checked while the VM runs (ms). */
  readonly pollMs?: number
}

interface HeadlessArgs {
  readonly startvm?: string
  readonly startPaused?: boolean
  readonly vrde: string
  readonly vrdeproperty?: string[]
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]
const STOPPED: readonly number[] = [
  MachineState.PoweredOff,
  MachineState.Aborted,
  MachineState.Saved,
  MachineState.AbortedSaved,
]

/** Runs boxheadless with `argv` (without node and script); resolves to the exit code. */
export async function runHeadless(argv: readonly string[], options: HeadlessOptions): Promise<number> {
  const { io } = options
  const program = new Command('boxheadless')
    .description('Runs a Boxwood virtual machine without a window, like VBoxHeadless')
    .version(BOXWOOD_VERSION, '-V, --version')
    .option('-s, --startvm <vm>', 'name or UUID of the VM to start')
    .option('-v, --vrde <mode>', 'on|off|config: remote display server (config = the VM’s settings)', 'config')
    .option('-e, --vrdeproperty <name=value>', 'remote display property for this run (repeatable)', collect)
    .option('--start-paused', 'start the VM paused (resume it with boxmanage controlvm <vm> resume)')
    .option('--comment <text>', 'ignored (lets ps show which VM this is)')
    .exitOverride()
    .configureOutput({
      writeOut: (t) => io.out(t),
      writeErr: (t) => io.err(t),
      outputError: (t, write) => write(`boxheadless: ${t}`),
    })
    .allowExcessArguments(false)
  let args: HeadlessArgs
  try {
    program.parse([...argv], { from: 'user' })
    args = program.opts<HeadlessArgs>()
    if (!args.startvm) throw new UsageError('--startvm <vm> is required')
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? ExitCode.Success
        : ExitCode.Syntax
    for (const line of errorLines(error)) io.err(`boxheadless: ${line}\n`)
    return ExitCode.Syntax
  }
  let client: IVirtualBoxClient | undefined
  try {
    client = await options.connect()
    return await run(client, args.startvm, args, options)
  } catch (error) {
    for (const line of errorLines(error)) io.err(`boxheadless: ${line}\n`)
    return error instanceof UsageError ? ExitCode.Syntax : ExitCode.Failure
  } finally {
    await client?.close().catch(() => undefined)
  }
}

async function run(
  client: IVirtualBoxClient,
  vm: string,
  args: HeadlessArgs,
  options: HeadlessOptions,
): Promise<number> {
  const { io } = options
  const vrdeMode = args.vrde.toLowerCase()
  const vrdeOverride = vrdeMode === 'config' ? undefined : parseOnOff(vrdeMode, '--vrde')
  const properties = (args.vrdeproperty ?? []).map((pair) => {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`Invalid --vrdeproperty '${pair}' (expected NAME=VALUE)`)
    return [pair.slice(0, eq), pair.slice(eq + 1)] as const
  })
  const vbox = client.virtualBox
  const machine = await vbox.findMachine(vm)
  const name = await machine.getName()
  const session = await client.getSession()
  const progress = await machine.launchVMProcess(session, 'headless', [])
  await progress.waitForCompletion(-1)
  const failed = (await progress.getResultCode()) !== 0
  const info = failed ? await progress.getErrorInfo() : null
  await session.unlockMachine().catch(() => undefined)
  if (failed) {
    io.err(`boxheadless: error: Failed to start VM "${name}": ${info?.text ?? 'unknown error'}\n`)
    return ExitCode.Failure
  }
  await applyVrdeOverrides(client, machine, vrdeOverride, properties)
  if (args.startPaused) await pause(client, machine)
  io.out(`VM "${name}" has been successfully started${args.startPaused ? ' (paused)' : ''}.\n`)
  await printVrde(client, machine, io)
  const stopped = await waitUntilStopped(client, machine, options)
  io.out(`VM "${name}" stopped (${machineStateShortNames[stopped] ?? stopped}).\n`)
  return stopped === MachineState.Aborted || stopped === MachineState.AbortedSaved ? ExitCode.Failure : ExitCode.Success
}

/**
 * `--vrde on|off` and `--vrdeproperty` hold for this run only (VBoxHeadless's behaviour): they go to the running
 * VM through a Shared session, which restarts its remote display server, and are never saved, so the settings
 * file keeps the machine's own values.
 */
async function applyVrdeOverrides(
  client: IVirtualBoxClient,
  machine: IMachine,
  enabled: boolean | undefined,
  properties: readonly (readonly [string, string])[],
): Promise<void> {
  if (enabled === undefined && properties.length === 0) return
  const session = await client.getSession()
  await machine.lockMachine(session, LockType.Shared)
  try {
    const server = await (await session.getMachine()).getVRDEServer()
    for (const [k, v] of properties) await server.setVRDEProperty(k, v)
    if (enabled !== undefined) await server.setEnabled(enabled)
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}

async function printVrde(client: IVirtualBoxClient, machine: IMachine, io: CliIo): Promise<void> {
  const session = await client.getSession()
  await machine.lockMachine(session, LockType.Shared)
  try {
    const console = await session.getConsole()
    const info = console ? await console.getVRDEServerInfo() : undefined
    const server = await machine.getVRDEServer()
    const protocol = (await server.getVRDEExtPack()).toUpperCase() === 'VNC' ? 'VNC' : 'RDP'
    if (info && info.port > 0) {
      const address = (await server.getVRDEProperty('TCP/Address')) || '0.0.0.0'
      io.out(`VRDE server is listening on port ${info.port} (${protocol}, address ${address}).\n`)
    } else if (info && info.port === 0) io.out('VRDE server failed to start.\n')
    else io.out('VRDE server is inactive.\n')
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}

async function waitUntilStopped(
  client: IVirtualBoxClient,
  machine: IMachine,
  options: HeadlessOptions,
): Promise<number> {
  let interrupted = false
  void options.interrupted.then(() => (interrupted = true))
  let poweringOff = false
  for (;;) {
    const state = await machine.getState()
    if (STOPPED.includes(state)) return state
    if (interrupted && !poweringOff) {
      poweringOff = true
      options.io.out('Interrupted: saving the VM state...\n')
      await stop(client, machine, 'save').catch(async (saveError: unknown) => {
        options.io.out(`Saving failed (${(saveError as Error).message}); powering off the VM...\n`)
        await stop(client, machine, 'powerOff').catch((error: unknown) => {
          for (const line of errorLines(error)) options.io.err(`boxheadless: ${line}\n`)
        })
      })
    }
    await Promise.race([new Promise((r) => setTimeout(r, options.pollMs ?? 250)), options.interrupted])
  }
}

async function pause(client: IVirtualBoxClient, machine: IMachine): Promise<void> {
  const session = await client.getSession()
  await machine.lockMachine(session, LockType.Shared)
  try {
    await (await session.getConsole())?.pause()
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}

async function stop(client: IVirtualBoxClient, machine: IMachine, how: 'save' | 'powerOff'): Promise<void> {
  const session = await client.getSession()
  await machine.lockMachine(session, LockType.Shared)
  try {
    const console = await session.getConsole()
    if (!console) return
    const progress = how === 'save' ? await (await session.getMachine()).saveState() : await console.powerDown()
    await progress.waitForCompletion(-1)
    const info = (await progress.getResultCode()) !== 0 ? await progress.getErrorInfo() : null
    if (info) throw new Error(info.text)
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}
