// The `boxmanage` binary: runs one command against the per-user Boxwood service (VBoxManage's process model:
// every invocation is a client of VBoxSVC; vbox-api.md §1.1).
import { connectVirtualBox } from '@boxwood/main-api/client'
import { exitQuietlyOnBrokenPipe, processIo } from './io'
import { runCli } from './program'

exitQuietlyOnBrokenPipe(process.stdout)
process.exitCode = await runCli(process.argv.slice(2), { io: processIo, connect: () => connectVirtualBox() })
