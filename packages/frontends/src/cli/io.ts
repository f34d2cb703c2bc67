// Where a command writes: stdout for results, stderr for progress, warnings and errors (VBoxManage's split).

/** Output streams of one command run. Tests pass collectors; the binaries pass process.stdout/stderr. */
export interface CliIo {
  /** Writes text to standard output as is. */
  out(text: string): void
  /** Writes text to standard error as is. */
  err(text: string): void
}

/**
 * A reader that goes away (`boxmanage list ostypes | head`) ends the output: the process exits quietly, as a C
 * program does on SIGPIPE, instead of dying on an unhandled EPIPE error with a stack trace.
 */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
}

/** The process's own streams. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
}

/** An in-memory CliIo for tests and embedding: everything written is kept. */
export function bufferIo(): CliIo & { readonly stdout: () => string; readonly stderr: () => string } {
  let stdout = ''
  let stderr = ''
  return {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    stdout: () => stdout,
    stderr: () => stderr,
  }
}
