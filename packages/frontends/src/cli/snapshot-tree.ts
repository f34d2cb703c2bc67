// The snapshot tree as `snapshot list` and showvminfo print it: indented names, the current one marked `*`
// (VBoxManageSnapshot.cpp / showSnapshots).
import type { IMachine, ISnapshot } from '@boxwood/main-api/client'

/** Lines of the tree, or [] when the machine has no snapshots. */
export async function snapshotTreeLines(machine: IMachine, details: boolean): Promise<string[]> {
  const current = await machine.getCurrentSnapshot()
  if (!current) return []
  let root: ISnapshot = current
  for (let p = await root.getParent(); p; p = await p.getParent()) root = p
  const currentId = await current.getId()
  const lines: string[] = []
  const walk = async (s: ISnapshot, depth: number): Promise<void> => {
    const [name, id, description] = await Promise.all([s.getName(), s.getId(), s.getDescription()])
    const indent = '   '.repeat(depth + 1)
    lines.push(`${indent}Name: ${name} (UUID: ${id})${id === currentId ? ' *' : ''}`)
    if (details && description) lines.push(`${indent}Description: ${description}`)
    for (const child of await s.getChildren()) await walk(child, depth + 1)
  }
  await walk(root, 0)
  return lines
}
