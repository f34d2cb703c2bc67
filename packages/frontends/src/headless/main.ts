// The `boxheadless` binary: starts a VM and stays in the foreground until it stops; Ctrl-C powers it off.
import { connectVirtualBox } from '@boxwood/main-api/client'
import { processIo } from '../cli/io'
import { runHeadless } from './headless'

let signalled = false
const interrupted = new Promise<void>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (signalled) process.exit(130)
      signalled = true
      resolve()
    })
})

process.exitCode = await runHeadless(process.argv.slice(2), {
  io: processIo,
  connect: () => connectVirtualBox(),
  interrupted,
})
process.exit()
