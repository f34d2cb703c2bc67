// Starts TigerVNC's viewer the way the tests use it: full screen on a private X display, ZRLE, full colour,
// no client-side resize requests (the guest decides the size).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

/** Runs `xtigervncviewer` against 127.0.0.1:`port` on X display `display`. */
export function startTigerVnc(display: string, port: number): ChildProcess {
  return spawn(
    'xtigervncviewer',
    ['-FullScreen', '-AutoSelect=0', '-PreferredEncoding=ZRLE', '-FullColor', '-RemoteResize=0', `127.0.0.1::${port}`],
    { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' },
  )
}
