// Medium descriptions shared by `list hdds|dvds|floppies` and `showmediuminfo` (VBoxManageDisk.cpp,
// showMediumInfo; vbox-api.md §5.2, §5.6).
import { MediumState, MediumType } from '@boxwood/main-api/client'
import type { IMedium, IVirtualBox } from '@boxwood/main-api/client'
import { choiceName } from './options'

const stateNames = {
  'not created': MediumState.NotCreated,
  created: MediumState.Created,
  'locked read': MediumState.LockedRead,
  'locked write': MediumState.LockedWrite,
  inaccessible: MediumState.Inaccessible,
  creating: MediumState.Creating,
  deleting: MediumState.Deleting,
} as const

/** VBoxManage's medium type spellings (also accepted by modifymedium --type and storageattach --mtype). */
export const mediumTypeNames = {
  normal: MediumType.Normal,
  immutable: MediumType.Immutable,
  writethrough: MediumType.Writethrough,
  shareable: MediumType.Shareable,
  readonly: MediumType.Readonly,
  multiattach: MediumType.MultiAttach,
} as const

const MIB = 1024 * 1024

/** The label/value rows describing a medium; `long` adds the showmediuminfo-only rows. */
export async function mediumRows(vbox: IVirtualBox, medium: IMedium, long: boolean): Promise<[string, string][]> {
  const [id, parent, state, type, location, format, logical, size] = await Promise.all([
    medium.getId(),
    medium.getParent(),
    medium.getState(),
    medium.getType(),
    medium.getLocation(),
    medium.getFormat(),
    medium.getLogicalSize(),
    medium.getSize(),
  ])
  const rows: [string, string][] = [
    ['UUID:', id],
    ['Parent UUID:', parent ? await parent.getId() : 'base'],
    ['State:', choiceName(stateNames, state)],
    ['Type:', `${choiceName(mediumTypeNames, type)} (${parent ? 'differencing' : 'base'})`],
    ['Location:', location],
    ['Storage format:', format],
  ]
  if (long) {
    const variant = (await medium.getVariant()).reduce((a: number, b) => a | b, 0)
    rows.push(['Format variant:', `${variant & 0x10000 ? 'fixed' : 'dynamic'} default`])
  }
  rows.push(['Capacity:', `${Math.round(logical / MIB)} MBytes`])
  if (long) rows.push(['Size on disk:', `${Math.round(size / MIB)} MBytes`])
  rows.push(['Encryption:', 'disabled'])
  if (long) {
    const machines = await medium.getMachineIds()
    const users: string[] = []
    for (const machineId of machines) {
      const machine = await vbox.findMachine(machineId).catch(() => undefined)
      users.push(`${machine ? await machine.getName() : '<unknown>'} (UUID: ${machineId})`)
    }
    if (users.length > 0) rows.push(['In use by VMs:', users.join(', ')])
    const children = await medium.getChildren()
    if (children.length > 0) rows.push(['Child UUIDs:', (await Promise.all(children.map((c) => c.getId()))).join(' ')])
  }
  return rows
}

/** Renders label/value rows with aligned values. */
export function formatRows(rows: readonly (readonly [string, string])[], width = 16): string {
  return rows.map(([label, value]) => `${label.padEnd(width)}${value}`).join('\n')
}
