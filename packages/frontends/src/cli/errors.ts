// Errors of the command-line frontends and their exit codes (VBoxManage: 0 success, 1 failure, 2 syntax error;
// vbox-api.md §5.1).
import { VBoxError } from '@boxwood/main-api/client'

/** VBoxManage's exit codes (RTEXITCODE_*). */
export const ExitCode = { Success: 0, Failure: 1, Syntax: 2, Init: 3 } as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A wrong command line: unknown option value, missing argument, bad subcommand. Exit code 2. */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE'
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A failure the CLI detected itself (not an API error): a file that already exists, a wrong state. Exit code 1. */
export class CommandError extends Error {
  readonly code = 'CLI_FAILURE'
  constructor(message: string) {
    super(message)
    this.name = 'CommandError'
  }
}

/**
 * The stderr lines for a failure, in VBoxManage's style: `error: <text>` and, for API errors,
 * `error: Details: code <NAME> (0x…), component <C>, interface <I>`. The caller prefixes the program name.
 */
export function errorLines(error: unknown): string[] {
  if (error instanceof ConnectError)
    return [
      `error: ${error.message}`,
      'error: Most likely, the Boxwood service (boxsvc) is not running or failed to start.',
      ...errorLines(error.reason).map((line) =>
        line.startsWith('error: Details: ') ? line : line.replace(/^error: /, 'error: Details: '),
      ),
    ]
  if (error instanceof VBoxError) {
    const hex = `0x${(error.resultCode >>> 0).toString(16).padStart(8, '0')}`
    return [
      `error: ${error.message}`,
      `error: Details: code ${error.code} (${hex}), component ${error.component}Wrap, interface I${error.component}`,
    ]
  }
  if (error instanceof Error) return [`error: ${error.message}`]
  return [`error: ${String(error)}`]
}

/** Ends the command with exit code 1 after it already printed what went wrong (VBoxManage's quiet failures). */
export class QuietFailure extends Error {
  readonly code = 'CLI_QUIET_FAILURE'
  constructor() {
    super('command failed')
    this.name = 'QuietFailure'
  }
}

/** The API could not be reached (VBoxManage: "Failed to create the VirtualBox object!"). Exit code 1. */
export class ConnectError extends Error {
  readonly code = 'CLI_CONNECT'
  readonly reason: unknown
  constructor(reason: unknown) {
    super('Failed to create the VirtualBox object!')
    this.name = 'ConnectError'
    this.reason = reason
  }
}
