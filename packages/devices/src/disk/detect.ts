// Format detection by signature: VDI (0xBEDA107F at 64), VHD ("conectix" at 0 or in the last 512 bytes), VMDK
// ("KDMV" sparse header or a text descriptor), QCOW2 ("QFI\xfb"), ISO 9660 ("CD001" at 32769), else raw.

import { asciiz, viewOf } from './bytes'
import type { BlockFile } from './host'
import type { ImageFormat } from './types'

/** Decides an open file's format from its magic numbers; anything unrecognised is raw. */
export async function detectFileFormat(file: BlockFile): Promise<ImageFormat> {
  const head = new Uint8Array(1024)
  const got = await file.read(0, head)
  const view = viewOf(head)
  if (got >= 72 && view.getUint32(64, true) === 0xbeda107f) return 'vdi'
  if (got >= 8 && asciiz(head, 0, 8) === 'conectix') return 'vhd'
  if (got >= 4 && view.getUint32(0, true) === 0x564d444b) return 'vmdk'
  if (got >= 4 && view.getUint32(0, false) === 0x514649fb) return 'qcow2'
  if (got >= 20 && looksLikeVmdkDescriptor(head.subarray(0, got))) return 'vmdk'
  const size = await file.size()
  const iso = new Uint8Array(5)
  if ((await file.read(32769, iso)) === 5 && asciiz(iso, 0, 5) === 'CD001') return 'iso'
  if (size >= 512 && size % 512 === 0) {
    const tail = new Uint8Array(8)
    if ((await file.read(size - 512, tail)) === 8 && asciiz(tail, 0, 8) === 'conectix') return 'vhd'
  }
  return 'raw'
}

/** A VMDK text descriptor: printable text that mentions `createType` (it may start with other comments). */
export function looksLikeVmdkDescriptor(head: Uint8Array): boolean {
  let text = ''
  for (const byte of head) {
    if (byte === 0) break
    if (byte < 9 || (byte > 13 && byte < 32) || byte > 126) return false
    text += String.fromCharCode(byte)
  }
  return /^\s*#\s*Disk DescriptorFile/m.test(text) || /^\s*createType\s*=/m.test(text)
}
