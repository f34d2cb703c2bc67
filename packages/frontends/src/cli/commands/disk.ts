// Medium commands: createmedium, closemedium, showmediuminfo, clonemedium and modifymedium with their old
// aliases (createhd/createvdi, showhdinfo/showvdiinfo, clonehd/clonevdi, modifyhd/modifyvdi)
// (VBoxManageDisk.cpp; vbox-api.md §5.6).
import type { Command } from 'commander'
import { AccessMode, DeviceType, MediumVariant } from '@boxwood/main-api/client'
import type { IMedium } from '@boxwood/main-api/client'
import { resolve } from 'node:path'
import type { CommandContext } from '../context'
import { UsageError } from '../errors'
import { deviceTypeForFile, findMedium } from '../media'
import { formatRows, mediumRows, mediumTypeNames } from '../medium-info'
import { mediumKindNames } from '../names'
import { onAction, parseChoice, parseInteger, parseOnOff } from '../options'
import { showProgress } from '../progress'

const MIB = 1024 * 1024
const variantNames = { standard: MediumVariant.Standard, fixed: MediumVariant.Fixed } as const

/** Splits `[disk|dvd|floppy] <medium>` positional words. */
function kindAndTarget(words: string[], command: string): { kind: DeviceType | undefined; target: string } {
  if (words.length === 2) {
    return { kind: parseChoice(words[0] ?? '', `${command} type`, mediumKindNames), target: words[1] ?? '' }
  }
  if (words.length === 1) return { kind: undefined, target: words[0] ?? '' }
  throw new UsageError(`${command} takes [disk|dvd|floppy] <uuid|filename>`)
}

function parseVariant(value: string | undefined): MediumVariant[] {
  if (value === undefined) return [MediumVariant.Standard]
  return value.split(',').map((v) => parseChoice(v, '--variant', variantNames))
}

/** Registers the medium commands. */
export function registerDisk(program: Command, ctx: CommandContext): void {
  const create = program
    .command('createmedium')
    .aliases(['createhd', 'createvdi'])
    .description('creates a new disk image')
    .argument('[kind]', 'disk|dvd|floppy', 'disk')
    .option('--filename <file>', 'file name of the new image (required)')
    .option('--size <MB>', 'capacity in MB')
    .option('--sizebyte <bytes>', 'capacity in bytes')
    .option('--format <format>', 'VDI|VMDK|VHD|RAW')
    .option('--variant <variant>', 'Standard|Fixed')
    .option('--diffparent <medium>', 'create a differencing image of this parent')
  onAction(
    create,
    async (
      kind: string,
      o: {
        filename?: string
        size?: string
        sizebyte?: string
        format?: string
        variant?: string
        diffparent?: string
      },
    ) => {
      const deviceType = parseChoice(kind, 'createmedium type', mediumKindNames)
      if (!o.filename) throw new UsageError('Parameters --filename is required')
      const variant = parseVariant(o.variant)
      const vbox = await ctx.vbox()
      const format = o.format ?? ''
      if (o.diffparent) {
        const parent = await findMedium(vbox, o.diffparent, DeviceType.HardDisk)
        const target = await vbox.createMedium(
          format || (await parent.getFormat()),
          resolve(o.filename),
          AccessMode.ReadWrite,
          deviceType,
        )
        await showProgress(ctx, await parent.createDiffStorage(target, variant))
        ctx.print(`Medium created. UUID: ${await target.getId()}`)
        return
      }
      const bytes =
        o.sizebyte !== undefined
          ? parseInteger(o.sizebyte, '--sizebyte', 1)
          : o.size !== undefined
            ? parseInteger(o.size, '--size', 1) * MIB
            : undefined
      if (bytes === undefined) throw new UsageError('Parameter --size or --sizebyte is required')
      const medium = await vbox.createMedium(format, resolve(o.filename), AccessMode.ReadWrite, deviceType)
      await showProgress(ctx, await medium.createBaseStorage(bytes, variant))
      ctx.print(`Medium created. UUID: ${await medium.getId()}`)
    },
  )

  const close = program
    .command('closemedium')
    .description('removes a medium from the registry, optionally deleting its file')
    .argument('<args...>', '[disk|dvd|floppy] <uuid|filename>')
    .option('--delete', 'delete the image file too')
  onAction(close, async (words: string[], o: { delete?: boolean }) => {
    const { kind, target } = kindAndTarget(words, 'closemedium')
    const medium = await findMedium(await ctx.vbox(), target, kind ?? deviceTypeForFile(target))
    if (o.delete) await showProgress(ctx, await medium.deleteStorage())
    else await medium.close()
  })

  const show = program
    .command('showmediuminfo')
    .aliases(['showhdinfo', 'showvdiinfo'])
    .description('shows information about a medium')
    .argument('<args...>', '[disk|dvd|floppy] <uuid|filename>')
  onAction(show, async (words: string[]) => {
    const { kind, target } = kindAndTarget(words, 'showmediuminfo')
    const vbox = await ctx.vbox()
    const medium = await findMedium(vbox, target, kind ?? deviceTypeForFile(target))
    ctx.print(formatRows(await mediumRows(vbox, medium, true)))
  })

  const clone = program
    .command('clonemedium')
    .aliases(['clonehd', 'clonevdi'])
    .description('copies a medium to a new image (with a new UUID)')
    .argument('<source>', 'uuid or file of the source')
    .argument('<target>', 'file of the new image')
    .argument('[kind]', 'disk|dvd|floppy', 'disk')
    .option('--format <format>', 'VDI|VMDK|VHD|RAW')
    .option('--variant <variant>', 'Standard|Fixed')
    .option('--existing', 'write into an existing image (not supported yet)')
  onAction(
    clone,
    async (
      source: string,
      target: string,
      kind: string,
      o: { format?: string; variant?: string; existing?: boolean },
    ) => {
      const deviceType = parseChoice(kind, 'clonemedium type', mediumKindNames)
      if (o.existing) throw new UsageError('--existing is not supported by Boxwood yet')
      const variant = parseVariant(o.variant)
      const vbox = await ctx.vbox()
      const src = await findMedium(vbox, source, deviceType)
      const format = o.format ?? (await src.getFormat())
      const dst = await vbox.createMedium(format, resolve(target), AccessMode.ReadWrite, deviceType)
      await showProgress(ctx, await src.cloneTo(dst, variant, null))
      ctx.print(`Clone medium created in format '${await dst.getFormat()}'. UUID: ${await dst.getId()}`)
    },
  )

  const modify = program
    .command('modifymedium')
    .aliases(['modifyhd', 'modifyvdi'])
    .description('changes the type, size or contents layout of a medium')
    .argument('<args...>', '[disk|dvd|floppy] <uuid|filename>')
    .option('--type <type>', 'normal|writethrough|immutable|shareable|readonly|multiattach')
    .option('--resize <MB>', 'new capacity in MB (grow only)')
    .option('--resizebyte <bytes>', 'new capacity in bytes (grow only)')
    .option('--compact', 'reclaim blocks that contain only zeros')
    .option('--description <text>', 'description')
    .option('--autoreset <on|off>', 'accepted for immutable disks (not supported yet)')
  onAction(
    modify,
    async (
      words: string[],
      o: {
        type?: string
        resize?: string
        resizebyte?: string
        compact?: boolean
        description?: string
        autoreset?: string
      },
    ) => {
      const { kind, target } = kindAndTarget(words, 'modifymedium')
      const type = o.type === undefined ? undefined : parseChoice(o.type, '--type', mediumTypeNames)
      const bytes =
        o.resizebyte !== undefined
          ? parseInteger(o.resizebyte, '--resizebyte', 1)
          : o.resize !== undefined
            ? parseInteger(o.resize, '--resize', 1) * MIB
            : undefined
      if (o.autoreset !== undefined) parseOnOff(o.autoreset, '--autoreset')
      if (type === undefined && bytes === undefined && !o.compact && o.description === undefined)
        throw new UsageError('No operation specified')
      const medium: IMedium = await findMedium(await ctx.vbox(), target, kind ?? deviceTypeForFile(target))
      if (type !== undefined) await medium.setType(type)
      if (o.description !== undefined) await medium.setDescription(o.description)
      if (bytes !== undefined) await showProgress(ctx, await medium.resize(bytes))
      if (o.compact) await showProgress(ctx, await medium.compact())
    },
  )
}
