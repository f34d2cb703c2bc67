// Builds the boxmanage command line with commander from the command table, runs one invocation and maps every
// outcome to VBoxManage's exit codes and `boxmanage: error: …` lines (vbox-api.md §5.1).
import { Command, CommanderError } from 'commander'
import type { IVirtualBoxClient } from '@boxwood/main-api/client'
import { commandTable } from './command-table'
import { createContext, type CommandContext } from './context'
import { ConnectError, errorLines, ExitCode, QuietFailure, UsageError } from './errors'
import type { CliIo } from './io'
import { BOXWOOD_VERSION } from './version'

/** How one invocation connects and where it writes. */
export interface RunOptions {
  readonly io: CliIo
  /** Returns the API client; called only when a command needs the API. */
  readonly connect: () => Promise<IVirtualBoxClient>
  /** Close the client after the command (true for the binary, false for a client the caller owns). */
  readonly closeClient?: boolean
  readonly programName?: string
}

/** Creates the commander program for a context (exposed for help-text tests). */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command(ctx.programName)
  program
    .description('Boxwood command-line interface, with the commands and options of VBoxManage')
    .version(BOXWOOD_VERSION, '-V, --version', 'print the version number and exit')
    .option('-q, --nologo', 'suppress the logo (accepted for compatibility; Boxwood prints none)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
      outputError: (text, write) => write(`${ctx.programName}: ${text}`),
    })
    .showHelpAfterError()
    .helpCommand('help [command]', 'show help for a command')
    .allowExcessArguments(false)
  for (const entry of commandTable) entry.register(program, ctx)
  return program
}

/** Runs one command line (`argv` without node and script) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], options: RunOptions): Promise<number> {
  const programName = options.programName ?? 'boxmanage'
  let connected: IVirtualBoxClient | undefined
  const ctx = createContext(options.io, programName, async () => {
    try {
      connected = await options.connect()
    } catch (error) {
      throw new ConnectError(error)
    }
    return connected
  })
  const program = buildProgram(ctx)
  let code: number = ExitCode.Success
  try {
    if (argv.length === 0) {
      options.io.err(program.helpInformation())
      code = ExitCode.Syntax
    } else await program.parseAsync([...argv], { from: 'user' })
  } catch (error) {
    code = exitCodeFor(error, ctx)
  } finally {
    if (connected && options.closeClient !== false) await connected.close().catch(() => undefined)
  }
  return code
}

function exitCodeFor(error: unknown, ctx: CommandContext): number {
  if (error instanceof CommanderError) {
    // Help and version end the run successfully; everything else commander reports is a syntax error.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return ExitCode.Success
    return ExitCode.Syntax
  }
  if (error instanceof QuietFailure) return ExitCode.Failure
  for (const line of errorLines(error)) ctx.io.err(`${ctx.programName}: ${line}\n`)
  if (error instanceof UsageError) {
    const command = (error as UsageError & { command?: Command }).command
    if (command) ctx.io.err(`\n${command.helpInformation()}`)
    return ExitCode.Syntax
  }
  return ExitCode.Failure
}
