// CPU time of this process's main thread, where the emulators run (Linux: /proc). The process's total also counts
// V8's compiler and GC threads, which run on the other cores: the main thread's share is the emulator's own work,
// and what it leaves idle is time spent waiting (for the guest's timers, or for the host's event loop).

import { readFileSync } from 'node:fs'

/** CPU seconds the main thread has used so far (user + system), or null where /proc does not tell. */
export function mainThreadS(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return null
  }
}

/** Main-thread CPU seconds used since `start` (an earlier `mainThreadS()`), or null where a reading is missing. */
export function mainThreadSince(start: number | null): number | null {
  const now = mainThreadS()
  return start === null || now === null ? null : now - start
}
