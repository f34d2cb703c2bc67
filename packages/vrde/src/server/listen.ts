// Binds a server to the first free port of a VRDE port list (VirtualBox's TCP/Ports semantics).
import type { Server } from 'node:net'
import { VrdeError } from '../errors'

/** Tries `ports` in order on `address`; resolves with the port that was bound. */
export async function listenFirstFree(server: Server, ports: readonly number[], address: string): Promise<number> {
  const failures: string[] = []
  for (const port of ports) {
    const result = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const onError = (err: NodeJS.ErrnoException) => {
        server.off('listening', onListening)
        resolve(err)
      }
      const onListening = () => {
        server.off('error', onError)
        resolve(null)
      }
      server.once('error', onError)
      server.once('listening', onListening)
      server.listen(port, address)
    })
    if (result === null) {
      const addr = server.address()
      return typeof addr === 'object' && addr ? addr.port : port
    }
    failures.push(`${port}: ${result.code ?? result.message}`)
    if (result.code !== 'EADDRINUSE' && result.code !== 'EACCES') break
  }
  throw new VrdeError('NO_FREE_PORT', `cannot listen on ${address}: ${failures.join(', ')}`)
}
