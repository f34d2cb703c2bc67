// `boxmanage controlvm <vm> <subcommand> [args]`: changes a running VM through a Shared lock on its console
// (VBoxManageControlVM.cpp; vbox-api.md §5.4).
import type { Command } from 'commander'
import { BitmapFormat } from '@boxwood/main-api/client'
import type { IConsole, IMachine, ISession } from '@boxwood/main-api/client'
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { findMachine, withConsole, type CommandContext } from '../context'
import { UsageError } from '../errors'
import { onAction, parseInteger, parseOnOff } from '../options'
import { showProgress } from '../progress'
import { scancodesForText } from '../scancodes'

interface Subcommand {
  readonly usage: string
  readonly min: number
  readonly max: number
  readonly run: (c: {
    ctx: CommandContext
    console: IConsole
    session: ISession
    machine: IMachine
    args: string[]
  }) => Promise<void>
}

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  pause: { usage: 'pause', min: 0, max: 0, run: ({ console }) => console.pause() },
  resume: { usage: 'resume', min: 0, max: 0, run: ({ console }) => console.resume() },
  reset: { usage: 'reset', min: 0, max: 0, run: ({ console }) => console.reset() },
  poweroff: {
    usage: 'poweroff',
    min: 0,
    max: 0,
    run: async ({ ctx, console }) => showProgress(ctx, await console.powerDown()),
  },
  acpipowerbutton: { usage: 'acpipowerbutton', min: 0, max: 0, run: ({ console }) => console.powerButton() },
  keyboardputscancode: {
    usage: 'keyboardputscancode <hex> [<hex>...]',
    min: 1,
    max: Number.POSITIVE_INFINITY,
    run: async ({ console, args }) => {
      const codes = args.map((a) => {
        if (!/^[0-9a-f]{1,2}$/i.test(a)) throw new UsageError(`Error: '${a}' is not a hex byte!`)
        return Number.parseInt(a, 16)
      })
      await (await console.getKeyboard()).putScancodes(codes)
    },
  },
  keyboardputstring: {
    usage: 'keyboardputstring <string> [<string>...]',
    min: 1,
    max: Number.POSITIVE_INFINITY,
    run: async ({ console, args }) => {
      let codes: number[]
      try {
        codes = scancodesForText(args.join(' '))
      } catch (error) {
        throw new UsageError((error as Error).message)
      }
      await (await console.getKeyboard()).putScancodes(codes)
    },
  },
  screenshotpng: {
    usage: 'screenshotpng <file> [<display>]',
    min: 1,
    max: 2,
    run: async ({ console, args }) => {
      const screen = args[1] === undefined ? 0 : parseInteger(args[1], 'display', 0, 63)
      const png = await (await console.getDisplay()).takeScreenShotToArray(screen, 0, 0, BitmapFormat.PNG)
      await writeFile(resolve(args[0] ?? ''), png)
    },
  },
  setvideomodehint: {
    usage: 'setvideomodehint <xres> <yres> <bpp> [<display> [yes|no [<x> <y>]]]',
    min: 3,
    max: 7,
    run: async ({ console, args }) => {
      const [w, h, bpp] = [0, 1, 2].map((i) => parseInteger(args[i] ?? '', 'setvideomodehint', 0, 65535)) as [
        number,
        number,
        number,
      ]
      const screen = args[3] === undefined ? 0 : parseInteger(args[3], 'display', 0, 63)
      const enabled = args[4] === undefined ? true : parseOnOff(args[4], 'setvideomodehint enabled')
      const changeOrigin = args[5] !== undefined
      const x = args[5] === undefined ? 0 : parseInteger(args[5], 'x', 0)
      const y = args[6] === undefined ? 0 : parseInteger(args[6], 'y', 0)
      await (await console.getDisplay()).setVideoModeHint(screen, enabled, changeOrigin, x, y, w, h, bpp, true)
    },
  },
  vrde: {
    usage: 'vrde on|off',
    min: 1,
    max: 1,
    run: async ({ session, args }) => {
      const on = parseOnOff(args[0] ?? '', 'vrde')
      const m = await session.getMachine()
      await (await m.getVRDEServer()).setEnabled(on)
      await m.saveSettings()
    },
  },
  vrdeport: {
    usage: 'vrdeport <port>',
    min: 1,
    max: 1,
    run: async ({ session, args }) => {
      const port = args[0] === 'default' ? '' : String(parseInteger(args[0] ?? '', 'vrdeport', 0, 65535))
      const m = await session.getMachine()
      await (await m.getVRDEServer()).setVRDEProperty('TCP/Ports', port)
      await m.saveSettings()
    },
  },
  savestate: {
    usage: 'savestate',
    min: 0,
    max: 0,
    run: async ({ ctx, session }) => showProgress(ctx, await (await session.getMachine()).saveState()),
  },
}

/** Registers `controlvm`. */
export function registerControlvm(program: Command, ctx: CommandContext): void {
  const command = program
    .command('controlvm')
    .description('controls a running virtual machine')
    .usage(
      `<vm> ${Object.values(SUBCOMMANDS)
        .map((s) => s.usage)
        .join(' | ')}`,
    )
    .argument('<vm>', 'name or UUID of the VM')
    .argument('<subcommand>', Object.keys(SUBCOMMANDS).join('|'))
    .argument('[args...]', 'arguments of the subcommand')
  onAction(command, async (vm: string, name: string, args: string[]) => {
    const sub = SUBCOMMANDS[name.toLowerCase()]
    if (!sub) throw new UsageError(`Invalid parameter '${name}'`)
    if (args.length < sub.min || args.length > sub.max) throw new UsageError(`Usage: controlvm <vm> ${sub.usage}`)
    const machine = await findMachine(ctx, vm)
    await withConsole(ctx, machine, (console, session) => sub.run({ ctx, console, session, machine, args }))
  })
}
