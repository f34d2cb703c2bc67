// The logging hook of the servers: failed logins, dropped clients and protocol errors are reported here.

/** Severity of a log record. */
export type VrdeLogLevel = 'debug' | 'info' | 'warn' | 'error'

/** Receives the servers' log records; the default writes warnings and errors to stderr. */
export type VrdeLogger = (level: VrdeLogLevel, message: string) => void

/** Logs warnings and errors to stderr, drops the rest. */
export const stderrLogger: VrdeLogger = (level, message) => {
  if (level === 'warn' || level === 'error') process.stderr.write(`vrde ${level}: ${message}\n`)
}
