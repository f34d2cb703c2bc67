/**
 * An external system BIOS image (SeaBIOS `bios.bin`, 128 or 256 KiB): mapped read-only at the top of the
 * 4 GiB address space, and its last 128 KiB copied into RAM at 0E0000h–0FFFFFh on every reset. RAM there
 * stands in for the i440FX PAM shadow (the BIOS finds its low copy writable, as after enabling PAM write).
 * Spec: i440FX datasheet §3.2.11 (PAM registers); IBM PC memory map (BIOS at F0000h, reset vector FFFF0h).
 */
import { bool, defineDevice, defineState } from '@boxwood/vmm/device-api'

/** A BIOS image of the wrong size. */
export class BiosImageError extends Error {
  override readonly name = 'BiosImageError'
  readonly code = 'BIOS_IMAGE_SIZE'
}

export const biosImageState = defineState({ unit: 'bios', version: 1, fields: { shadowed: bool } })

/** The external BIOS: device name `bios`. */
export const biosImage = defineDevice({
  name: 'bios',
  description: 'External system BIOS image (SeaBIOS)',
  maxInstances: 1,
  config: { image: { type: 'bytes' } },
  savedState: biosImageState,
  create(ctx, config) {
    const state = biosImageState.initial()
    const image = config.image
    if (image.length < 0x10000 || image.length > 0x100_0000 || image.length % 0x10000 !== 0) {
      throw new BiosImageError(`a BIOS image is a multiple of 64 KiB up to 16 MiB, got ${image.length} bytes`)
    }
    ctx.rom(image, 'system BIOS (high)').map(2 ** 32 - image.length)
    const low = image.subarray(Math.max(0, image.length - 0x20000))
    return {
      state,
      reset(kind) {
        // A soft reset (port 92h / KBC pulse) keeps the shadow; the BIOS's resume path relies on it.
        if (kind !== 'soft') state.shadowed = false
      },
      afterReset() {
        if (state.shadowed) return
        ctx.dma.write(0x10_0000 - low.length, low)
        state.shadowed = true
      },
    }
  },
})
