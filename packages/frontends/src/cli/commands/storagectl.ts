// `boxmanage storagectl <vm> --name <ctl> [--add ide|sata|scsi|floppy|sas|pcie|virtio|usb] [--controller <type>]
// [--bootable on|off] [--hostiocache on|off] [--portcount <n>] [--remove] [--rename <new>]`
// (VBoxManageStorageController.cpp; vbox-api.md §5.6).
import type { Command } from 'commander'
import { findMachine, withWriteLock, type CommandContext } from '../context'
import { UsageError } from '../errors'
import { controllerTypeNames, storageBusNames } from '../names'
import { onAction, parseChoice, parseInteger, parseOnOff } from '../options'

interface StoragectlOptions {
  readonly name?: string
  readonly add?: string
  readonly controller?: string
  readonly bootable?: string
  readonly hostiocache?: string
  readonly portcount?: string
  readonly remove?: boolean
  readonly rename?: string
}

/** Registers `storagectl`. */
export function registerStoragectl(program: Command, ctx: CommandContext): void {
  const command = program
    .command('storagectl')
    .description('adds, changes or removes a storage controller')
    .argument('<vm>', 'name or UUID of the VM')
    .option('--name <name>', 'name of the controller (required)')
    .option('--add <bus>', 'ide|sata|scsi|floppy|sas|usb|pcie|virtio')
    .option('--controller <type>', 'PIIX3|PIIX4|ICH6|IntelAhci|LSILogic|BusLogic|I82078|LSILogicSAS|USB|NVMe|VirtIO')
    .option('--bootable <on|off>', 'whether the BIOS may boot from it')
    .option('--hostiocache <on|off>', 'use the host I/O cache')
    .option('--portcount <n>', 'number of ports')
    .option('--remove', 'remove the controller')
    .option('--rename <name>', 'new name')
  onAction(command, async (vm: string, o: StoragectlOptions) => {
    if (!o.name) throw new UsageError('Storage controller name not specified (--name)')
    const name = o.name
    const bus = o.add === undefined ? undefined : parseChoice(o.add, '--add', storageBusNames)
    const type = o.controller === undefined ? undefined : parseChoice(o.controller, '--controller', controllerTypeNames)
    const bootable = o.bootable === undefined ? undefined : parseOnOff(o.bootable, '--bootable')
    const cache = o.hostiocache === undefined ? undefined : parseOnOff(o.hostiocache, '--hostiocache')
    const ports = o.portcount === undefined ? undefined : parseInteger(o.portcount, '--portcount', 1, 30)
    if (o.remove && (bus !== undefined || type !== undefined))
      throw new UsageError('--remove cannot be combined with --add or --controller')
    const machine = await findMachine(ctx, vm)
    await withWriteLock(ctx, machine, async (m) => {
      if (o.remove) return m.removeStorageController(name)
      if (bus !== undefined) await m.addStorageController(name, bus)
      const controller = await m.getStorageControllerByName(name)
      if (type !== undefined) await controller.setControllerType(type)
      if (ports !== undefined) await controller.setPortCount(ports)
      if (cache !== undefined) await controller.setUseHostIOCache(cache)
      if (bootable !== undefined) await m.setStorageControllerBootable(name, bootable)
      if (o.rename !== undefined) await controller.setName(o.rename)
    })
  })
}
