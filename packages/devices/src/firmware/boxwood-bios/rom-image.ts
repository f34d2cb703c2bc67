// The Boxwood BIOS ROM (64 KB at F000:0000, aliased at the top of 4 GB): real-mode stubs that trap into the
// TypeScript handlers through the firmware-call ports (the DOSBox callback approach), the few handlers that
// must do port I/O themselves (timer and keyboard IRQs, default EOIs), the POST entry that initialises the
// PICs, the PIT and a CMOS snapshot, and static tables (fonts, VBE mode list, disk parameter table, system
// configuration, the BIOS32 Service Directory). Spec: IBM PC/AT Technical Reference (fixed entry points
// F000:E05B, F000:FFF0; BDA layout); Intel 8259A/8254 datasheets (ICW and control words).
import { buildFont } from '../../graphics/vga/font-rom'
import { bios32Header, bios32PciStub, bios32Stub } from './bios32'
import { Emitter } from './emitter'

/** Where things are in the ROM segment (offsets from F000:0000). */
export const ROM = {
  /** Stub of HLE vector v at v × 32. */
  stub: (vector: number) => vector * 32,
  /**
   * Stub layout: after OUT (continue), the OUT itself (retry: a call waiting for host media I/O or for its
   * INT 15h AH=86h deadline re-executes it from `entries.ioWait`), the STI;HLT loop (wait for an IRQ).
   */
  STUB_CONTINUE: 5,
  STUB_RETRY: 4,
  STUB_WAIT: 7,
  FONT8: 0x4000,
  FONT16: 0x4800,
  DATA: 0x5800,
  POST: 0xe05b,
  DISK_PARAMS: 0xefc7,
  SYSCONF: 0xe6f5,
  /** The BIOS32 Service Directory header (16-byte aligned), then its entry and the $PCI entry (bios32.ts). */
  BIOS32: 0x6000,
  BIOS32_ENTRY: 0x6010,
  PCI32_ENTRY: 0x6020,
  RESET: 0xfff0,
} as const

/** Offsets within the data area (ROM.DATA + …). */
export const DATA = { OEM: 0x00, VENDOR: 0x20, PRODUCT: 0x40, REVISION: 0x60, MODES: 0x80 } as const

/** Firmware-call port offsets that are not interrupt vectors. */
export const CALL = { POST: 0xf0, KEYBOARD_IRQ: 0x09, BIOS32: 0xf1, PCI32: 0xf2, PCI32_DATA: 0xf3 } as const

/** Vectors handled in TypeScript (each gets a generic stub). */
export const HLE_VECTORS = [0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x18, 0x19, 0x1a] as const

/** Built ROM and the entry points the POST handler writes into the IVT. */
export interface BiosRom {
  readonly image: Uint8Array
  readonly entries: {
    readonly int08: number
    readonly int09: number
    readonly eoiMaster: number
    readonly eoiSlave: number
    readonly iret: number
    readonly halt: number
    /** Where a stub waits for host media I/O (entered with the stub's OUT pushed, see {@link ROM}). */
    readonly ioWait: number
  }
}

/** Builds the ROM for a firmware-call port range at `callBase` and the given VBE mode numbers. */
export function buildBiosRom(callBase: number, vbeModes: readonly number[]): BiosRom {
  const rom = new Uint8Array(0x1_0000)
  for (const v of HLE_VECTORS) {
    // push dx; mov dx, port; again: out dx, al; pop dx; iret; wait: sti; hlt; cli; jmp again
    rom.set(
      [0x52, 0xba, (callBase + v) & 0xff, (callBase + v) >> 8, 0xee, 0x5a, 0xcf, 0xfb, 0xf4, 0xfa, 0xeb, 0xf8],
      ROM.stub(v),
    )
  }

  const irq = new Emitter(0x1000)
  irq.label('int08')
  // Timer tick: BDA 46Ch counter, midnight rollover at 1800B0h ticks, INT 1Ch, EOI.
  irq.emit(0x50, 0x1e, 0x31, 0xc0, 0x8e, 0xd8)
  irq.emit(0xff, 0x06, 0x6c, 0x04).jump8(0x75, 'noCarry').emit(0xff, 0x06, 0x6e, 0x04)
  irq.label('noCarry')
  irq.emit(0x83, 0x3e, 0x6e, 0x04, 0x18).jump8(0x72, 'tickDone')
  irq.emit(0x81, 0x3e, 0x6c, 0x04).word(0x00b0).jump8(0x72, 'tickDone')
  irq.emit(0xc7, 0x06, 0x6c, 0x04, 0, 0, 0xc7, 0x06, 0x6e, 0x04, 0, 0, 0xc6, 0x06, 0x70, 0x04, 0x01)
  irq.label('tickDone')
  irq.emit(0xcd, 0x1c, 0xb0, 0x20, 0xe6, 0x20, 0x1f, 0x58, 0xcf)
  irq.label('int09')
  // Keyboard: scancode from the KBC to the TypeScript handler (which fills the BDA buffer), EOI.
  irq
    .emit(0x50, 0x52, 0xe4, 0x60, 0xba)
    .word(callBase + CALL.KEYBOARD_IRQ)
    .emit(0xee, 0xb0, 0x20, 0xe6, 0x20, 0x5a, 0x58, 0xcf)
  irq.label('eoiMaster').emit(0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf)
  irq.label('eoiSlave').emit(0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf)
  irq.label('iret').emit(0xcf)
  irq.label('halt').emit(0xfa, 0xf4).jump8(0xeb, 'halt')
  // Waiting for host media I/O or a timed wait, entered with the stub's OUT pushed as the return address; every
  // register is the caller's again when it returns there, so the OUT re-runs the call unchanged even after a
  // saved state was restored in between (the handler then starts it again). The BIOS device pulses IRQ 14 when
  // the I/O completes or the deadline passes, as a disk controller does, so the CPU can sleep in HLT instead of
  // re-running the OUT. It sleeps only if that interrupt can reach it: nothing in service at the master PIC
  // (OCW3 read ISR, then back to IRR, the power-on choice), cascade (IR2) and IRQ 14 unmasked; otherwise it
  // re-executes the OUT at once, as before (never a hang).
  irq.label('ioWait')
  irq.emit(0x50) // push ax
  irq.emit(0xb0, 0x0b, 0xe6, 0x20, 0xe4, 0x20, 0x88, 0xc4, 0xb0, 0x0a, 0xe6, 0x20) // ISR → AH; select IRR
  irq.emit(0x84, 0xe4).jump8(0x75, 'ioRetry') // test ah, ah; jnz
  irq.emit(0xe4, 0x21, 0xa8, 0x04).jump8(0x75, 'ioRetry') // in al, 21h; test al, 04h; jnz
  irq.emit(0xe4, 0xa1, 0xa8, 0x40).jump8(0x75, 'ioRetry') // in al, 0A1h; test al, 40h; jnz
  irq.emit(0xfb, 0xf4, 0xfa) // sti; hlt; cli
  irq.label('ioRetry').emit(0x58, 0xc3) // pop ax; ret
  rom.set(irq.finish(), irq.origin)

  const post = new Emitter(ROM.POST)
  post.emit(0xfa, 0xfc, 0x31, 0xc0, 0x8e, 0xd0, 0xbc).word(0x7c00).emit(0x8e, 0xd8, 0x8e, 0xc0)
  // 8259A pair: ICW1 edge + ICW4, vectors 08h/70h, cascade on IR2, 8086 mode; unmask timer, keyboard,
  // cascade, floppy; slave: mouse, FPU, primary IDE.
  post.emit(0xb0, 0x11, 0xe6, 0x20, 0xe6, 0xa0, 0xb0, 0x08, 0xe6, 0x21, 0xb0, 0x70, 0xe6, 0xa1)
  post.emit(0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x02, 0xe6, 0xa1, 0xb0, 0x01, 0xe6, 0x21, 0xe6, 0xa1)
  post.emit(0xb0, 0xb8, 0xe6, 0x21, 0xb0, 0x8f, 0xe6, 0xa1)
  // 8254 channel 0: mode 3, count 65536 (18.2 Hz).
  post.emit(0xb0, 0x36, 0xe6, 0x43, 0x30, 0xc0, 0xe6, 0x40, 0xe6, 0x40)
  // ELCR: IRQ 10 and 11, where POST routes the PCI PIRQs (pci-init.ts), are level-triggered.
  post.emit(0xba, 0xd1, 0x04, 0xb0, (1 << (10 - 8)) | (1 << (11 - 8)), 0xee)
  // CMOS 00h..7Fh → 9FC0:0100 (the TypeScript side cannot do port I/O; it reads this snapshot).
  post.emit(0xb8).word(0x9fc0).emit(0x8e, 0xc0, 0xbf).word(0x0100).emit(0x31, 0xc9)
  post.label('cmos').emit(0x88, 0xc8, 0xe6, 0x70, 0xe4, 0x71, 0xaa, 0xfe, 0xc1, 0x80, 0xf9, 0x80).jump8(0x72, 'cmos')
  post.emit(0x31, 0xc0, 0x8e, 0xc0)
  post
    .emit(0xba)
    .word(callBase + CALL.POST)
    .emit(0xee)
  post.emit(0xfb, 0xcd, 0x19)
  post.label('dead').emit(0xfa, 0xf4).jump8(0xeb, 'dead')
  rom.set(post.finish(), post.origin)

  // Reset vector: jmp far F000:E05B; BIOS date; model byte (AT).
  rom.set([0xea, 0x5b, 0xe0, 0x00, 0xf0], ROM.RESET)
  rom.set(
    Array.from('11/25/26', (c) => c.charCodeAt(0)),
    0xfff5,
  )
  rom[0xfffe] = 0xfc

  // INT 1Eh diskette parameter table (1.44 MB), INT 15h C0h system configuration table.
  rom.set([0xaf, 0x02, 0x25, 0x02, 18, 0x1b, 0xff, 0x6c, 0xf6, 0x0f, 0x08], ROM.DISK_PARAMS)
  rom.set([0x08, 0x00, 0xfc, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x00], ROM.SYSCONF)

  // The BIOS32 Service Directory and the 32-bit entries behind it.
  rom.set(bios32Header(0xf_0000 + ROM.BIOS32_ENTRY), ROM.BIOS32)
  rom.set(bios32Stub(callBase + CALL.BIOS32), ROM.BIOS32_ENTRY)
  rom.set(bios32PciStub(callBase + CALL.PCI32, callBase + CALL.PCI32_DATA), ROM.PCI32_ENTRY)

  // Fonts for INT 1Fh/43h and INT 10h AX=1130h.
  rom.set(buildFont(8), ROM.FONT8)
  rom.set(buildFont(16), ROM.FONT16)

  const text = (offset: number, s: string) =>
    rom.set(
      Array.from(`${s}\0`, (c) => c.charCodeAt(0)),
      ROM.DATA + offset,
    )
  text(DATA.OEM, 'Boxwood VBE Adapter')
  text(DATA.VENDOR, 'Boxwood')
  text(DATA.PRODUCT, 'Boxwood VGA')
  text(DATA.REVISION, '1.0')
  vbeModes.forEach((mode, i) => {
    rom[ROM.DATA + DATA.MODES + i * 2] = mode & 0xff
    rom[ROM.DATA + DATA.MODES + i * 2 + 1] = mode >> 8
  })
  rom[ROM.DATA + DATA.MODES + vbeModes.length * 2] = 0xff
  rom[ROM.DATA + DATA.MODES + vbeModes.length * 2 + 1] = 0xff

  return {
    image: rom,
    entries: {
      int08: irq.offsetOf('int08'),
      int09: irq.offsetOf('int09'),
      eoiMaster: irq.offsetOf('eoiMaster'),
      eoiSlave: irq.offsetOf('eoiSlave'),
      iret: irq.offsetOf('iret'),
      halt: irq.offsetOf('halt'),
      ioWait: irq.offsetOf('ioWait'),
    },
  }
}
