// Child process of the benchmark: one RFB or RDP client that reports received bytes to the parent over IPC, so
// that the parent's CPU time is the server's alone. Usage: bench-client-main.ts rfb|rfb-full|rdp <port>
import { rdpTestClient } from '../test/helpers/rdp-client'
import { rfbBenchClient } from './rfb-bench-client'

const [kind, portText] = process.argv.slice(2)
const port = Number(portText)
const report = (bytes: number, updates: number) => process.send?.({ bytes, updates })

if (kind === 'rdp') {
  const c = await rdpTestClient(port)
  let total = 0
  c.tls.on('data', (d: Buffer) => {
    total += d.length
    report(total, c.fastPathPdus)
  })
} else {
  const c = await rfbBenchClient(port, kind === 'rfb-full', (cl) => report(cl.bytes, cl.updates))
  process.on('disconnect', () => c.close())
}
process.on('disconnect', () => process.exit(0))
