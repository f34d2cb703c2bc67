/**
 * Direct boot-sector loading without a BIOS (for boot-sector test programs while no disk controller and BIOS
 * are configured): at reset the 512-byte sector goes to 0000:7C00 and a 4 KiB ROM at the top of the address
 * space holds a reset vector that sets DL to the boot drive and jumps to 0000:7C00, as INT 19h would.
 * Spec: IBM PC BIOS boot convention (load to 0000:7C00, DL = drive); Intel SDM vol. 3 §9.1.4 (reset vector).
 */
import { bool, defineDevice, defineState } from '@boxwood/vmm/device-api'

export const bootSectorState = defineState({ unit: 'bootsector', version: 1, fields: { loaded: bool } })

/** The boot-sector loader: device name `bootsector`. */
export const bootSectorLoader = defineDevice({
  name: 'bootsector',
  description: 'Direct boot-sector load to 0000:7C00 with a reset-vector ROM',
  maxInstances: 1,
  config: {
    /** The sector (512 bytes; up to 31 KiB of following sectors are loaded after it). */
    image: { type: 'bytes' },
    /** DL at entry: 0x00 floppy A:, 0x80 first hard disk. */
    drive: { type: 'u8', default: 0x80 },
  },
  savedState: bootSectorState,
  create(ctx, config) {
    const state = bootSectorState.initial()
    const image = config.image.subarray(0, 0x7c00)
    const rom = new Uint8Array(0x1000)
    // At 0xFFFFFFF0: mov dl, drive; jmp far 0000:7C00.
    rom.set([0xb2, config.drive, 0xea, 0x00, 0x7c, 0x00, 0x00], 0xff0)
    ctx.rom(rom, 'boot-sector reset ROM').map(0xffff_f000)
    return {
      state,
      reset() {
        state.loaded = false
      },
      afterReset() {
        ctx.dma.write(0x7c00, image)
        state.loaded = true
      },
    }
  },
})
