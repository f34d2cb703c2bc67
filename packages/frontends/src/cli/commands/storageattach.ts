// `boxmanage storageattach <vm> --storagectl <ctl> --port <n> --device <n> [--type hdd|dvddrive|fdd]
// [--medium none|emptydrive|<uuid>|<file>] [--mtype <type>] [--nonrotational on|off] [--hotpluggable on|off]`
// (VBoxManageStorageController.cpp handleStorageAttach; vbox-api.md §5.6).
import type { Command } from 'commander'
import { DeviceType } from '@boxwood/main-api/client'
import { findMachine, withWriteLock, type CommandContext } from '../context'
import { UsageError } from '../errors'
import { findMedium } from '../media'
import { mediumTypeNames } from '../medium-info'
import { deviceTypeNames } from '../names'
import { onAction, parseChoice, parseInteger, parseOnOff } from '../options'

interface StorageattachOptions {
  readonly storagectl?: string
  readonly port?: string
  readonly device?: string
  readonly type?: string
  readonly medium?: string
  readonly mtype?: string
  readonly nonrotational?: string
  readonly hotpluggable?: string
  readonly passthrough?: string
  readonly forceunmount?: boolean
}

/** Registers `storageattach`. */
export function registerStorageattach(program: Command, ctx: CommandContext): void {
  const command = program
    .command('storageattach')
    .description('attaches, changes or removes a drive and its medium')
    .argument('<vm>', 'name or UUID of the VM')
    .option('--storagectl <name>', 'controller name (required)')
    .option('--port <n>', 'port number', '0')
    .option('--device <n>', 'device number on the port', '0')
    .option('--type <type>', 'hdd|dvddrive|fdd')
    .option('--medium <medium>', 'none|emptydrive|<uuid>|<file>')
    .option('--mtype <type>', 'normal|writethrough|immutable|shareable|readonly|multiattach')
    .option('--nonrotational <on|off>', 'report the disk as an SSD')
    .option('--hotpluggable <on|off>', 'mark the port hot-pluggable')
    .option('--passthrough <on|off>', 'pass host drive commands through')
    .option('--forceunmount', 'unmount even if the guest locked the medium')
  onAction(command, async (vm: string, o: StorageattachOptions) => {
    if (!o.storagectl) throw new UsageError('Storage controller name not specified (--storagectl)')
    const ctl = o.storagectl
    const port = parseInteger(o.port ?? '0', '--port', 0, 29)
    const device = parseInteger(o.device ?? '0', '--device', 0, 1)
    const type = o.type === undefined ? undefined : parseChoice(o.type, '--type', deviceTypeNames)
    const mtype = o.mtype === undefined ? undefined : parseChoice(o.mtype, '--mtype', mediumTypeNames)
    const nonRotational = o.nonrotational === undefined ? undefined : parseOnOff(o.nonrotational, '--nonrotational')
    const hotPluggable = o.hotpluggable === undefined ? undefined : parseOnOff(o.hotpluggable, '--hotpluggable')
    const passthrough = o.passthrough === undefined ? undefined : parseOnOff(o.passthrough, '--passthrough')
    const spec = o.medium
    const vbox = await ctx.vbox()
    const machine = await findMachine(ctx, vm)
    await withWriteLock(ctx, machine, async (m) => {
      await m.getStorageControllerByName(ctl)
      const existing = await m.getMediumAttachment(ctl, port, device).catch(() => undefined)
      if (spec === undefined) {
        if (!existing && type === undefined) throw new UsageError('--medium or --type is required')
      } else if (spec.toLowerCase() === 'none') {
        if (existing) await m.detachDevice(ctl, port, device)
      } else if (spec.toLowerCase() === 'emptydrive') {
        const t = type ?? existing?.type
        if (t !== DeviceType.DVD && t !== DeviceType.Floppy)
          throw new UsageError('emptydrive needs --type dvddrive or fdd (or an existing removable drive)')
        if (existing && existing.type === t) await m.unmountMedium(ctl, port, device, o.forceunmount ?? false)
        else {
          if (existing) await m.detachDevice(ctl, port, device)
          await m.attachDeviceWithoutMedium(ctl, port, device, t)
        }
      } else {
        const t = type ?? existing?.type
        if (t === undefined) throw new UsageError('--type is required when attaching a new medium')
        const medium = await findMedium(vbox, spec, t)
        if (mtype !== undefined) await medium.setType(mtype)
        if (existing && existing.type === t && t !== DeviceType.HardDisk)
          await m.mountMedium(ctl, port, device, medium, o.forceunmount ?? false)
        else {
          if (existing) await m.detachDevice(ctl, port, device)
          await m.attachDevice(ctl, port, device, t, medium)
        }
      }
      if (nonRotational !== undefined) await m.nonRotationalDevice(ctl, port, device, nonRotational)
      if (hotPluggable !== undefined) await m.setHotPluggableForDevice(ctl, port, device, hotPluggable)
      if (passthrough !== undefined) await m.passthroughDevice(ctl, port, device, passthrough)
    })
  })
}
