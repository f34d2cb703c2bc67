// What every command handler gets: the output streams, the (lazily connected) Main API client and the session
// recipes VBoxManage uses (Write lock for settings, Shared lock for a running VM's console; vbox-api.md §1.2).
import { LockType } from '@boxwood/main-api/client'
import type { IConsole, IMachine, IVirtualBox, IVirtualBoxClient, ISession } from '@boxwood/main-api/client'
import { CommandError } from './errors'
import type { CliIo } from './io'

/** Per-run state shared by the command handlers. */
export interface CommandContext {
  readonly io: CliIo
  /** The program name used in messages (`boxmanage`). */
  readonly programName: string
  /** The API client; connects on first use. */
  client(): Promise<IVirtualBoxClient>
  /** Shortcut for `(await client()).virtualBox`. */
  vbox(): Promise<IVirtualBox>
  /** Writes one line to stdout. */
  print(line?: string): void
}

/** Creates a context whose client comes from `connect`, called at most once. */
export function createContext(
  io: CliIo,
  programName: string,
  connect: () => Promise<IVirtualBoxClient>,
): CommandContext {
  let pending: Promise<IVirtualBoxClient> | undefined
  const client = () => (pending ??= connect())
  return {
    io,
    programName,
    client,
    vbox: async () => (await client()).virtualBox,
    print: (line = '') => io.out(`${line}\n`),
  }
}

/** Finds a registered machine by name or UUID (VBoxManage names a VM either way). */
export async function findMachine(ctx: CommandContext, nameOrId: string): Promise<IMachine> {
  return (await ctx.vbox()).findMachine(nameOrId)
}

/**
 * Runs `change` on the mutable machine under a Write lock, saves, and unlocks. On failure nothing is saved:
 * unlocking discards the unsaved changes (VirtualBox's rule), so a bad option changes nothing.
 */
export async function withWriteLock<T>(
  ctx: CommandContext,
  machine: IMachine,
  change: (mutable: IMachine, session: ISession) => Promise<T>,
): Promise<T> {
  const session = await (await ctx.client()).getSession()
  await machine.lockMachine(session, LockType.Write)
  try {
    const mutable = await session.getMachine()
    const result = await change(mutable, session)
    await mutable.saveSettings()
    return result
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}

/** Runs `use` with the console of a running machine through a Shared lock (controlvm, screenshots). */
export async function withConsole<T>(
  ctx: CommandContext,
  machine: IMachine,
  use: (console: IConsole, session: ISession) => Promise<T>,
): Promise<T> {
  const session = await (await ctx.client()).getSession()
  await machine.lockMachine(session, LockType.Shared)
  try {
    const console = await session.getConsole()
    if (!console) throw new CommandError(`Machine '${await machine.getName()}' is not currently running`)
    return await use(console, session)
  } finally {
    await session.unlockMachine().catch(() => undefined)
  }
}
