// A small AML encoder for the DSDT: the handful of terms the PC's namespace needs (Name, Scope, Device,
// Method, If, Return, Store, Package, Buffer, integers, EISA IDs) and the resource descriptors of a PCI root
// bridge's _CRS. Spec: ACPI 6.5 §20.2 (AML grammar: §20.2.2 NameSeg/NameString, §20.2.3 data objects,
// §20.2.4 PkgLength, §20.2.5 term objects), §6.4 (resource descriptors: §6.4.2.5 I/O port, §6.4.3.5.2/3
// DWord/Word address space, §6.4.2.9 end tag), §19.6.35 (EISAID compression).

/** AML bytes. */
export type Aml = number[]

/** PkgLength of a package whose content (after the PkgLength) is `contentLength` bytes. */
export function pkgLength(contentLength: number): Aml {
  if (contentLength + 1 < 0x40) return [contentLength + 1]
  for (let follow = 1; follow <= 3; follow++) {
    const total = contentLength + 1 + follow
    if (total < 2 ** (4 + 8 * follow)) {
      const out = [(follow << 6) | (total & 0x0f)]
      for (let i = 0; i < follow; i++) out.push((total >>> (4 + 8 * i)) & 0xff)
      return out
    }
  }
  throw new RangeError(`AML package of ${contentLength} bytes is too long`)
}

/** A NameString: `\` for the root, then 4-character segments separated by dots (short ones padded with _). */
export function nameString(path: string): Aml {
  const out: Aml = []
  let rest = path
  if (rest.startsWith('\\')) {
    out.push(0x5c)
    rest = rest.slice(1)
  }
  const segments = rest.split('.').map((s) => {
    if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(s)) throw new RangeError(`not an AML name segment: ${s}`)
    return s.padEnd(4, '_')
  })
  if (segments.length === 2) out.push(0x2e)
  else if (segments.length > 2) out.push(0x2f, segments.length)
  for (const s of segments) for (const c of s) out.push(c.charCodeAt(0))
  return out
}

/** An integer constant in its shortest encoding. */
export function integer(n: number): Aml {
  if (n === 0) return [0x00]
  if (n === 1) return [0x01]
  if (n <= 0xff) return [0x0a, n]
  if (n <= 0xffff) return [0x0b, n & 0xff, n >>> 8]
  return [0x0c, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]
}

/** EISAID("ABC1234") as the DWord constant. */
export function eisaId(id: string): Aml {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new RangeError(`not an EISA id: ${id}`)
  const letter = (i: number) => id.charCodeAt(i) - 0x40
  const vendor = (letter(0) << 10) | (letter(1) << 5) | letter(2)
  const product = parseInt(id.slice(3), 16)
  return [0x0c, vendor >> 8, vendor & 0xff, product >> 8, product & 0xff]
}

/** Name(path, value). */
export const name = (path: string, value: Aml): Aml => [0x08, ...nameString(path), ...value]
/** Scope(path) { body }. */
export const scope = (path: string, ...body: Aml[]): Aml => withLength([0x10], [...nameString(path), ...body.flat()])
/** Device(path) { body }. */
export const device = (path: string, ...body: Aml[]): Aml =>
  withLength([0x5b, 0x82], [...nameString(path), ...body.flat()])
/** Method(path, args, NotSerialized) { body }. */
export const method = (path: string, args: number, ...body: Aml[]): Aml =>
  withLength([0x14], [...nameString(path), args & 7, ...body.flat()])
/** If (predicate) { body }. */
export const ifThen = (predicate: Aml, ...body: Aml[]): Aml => withLength([0xa0], [...predicate, ...body.flat()])
/** Return (value). */
export const returnValue = (value: Aml): Aml => [0xa4, ...value]
/** Store (source, target). */
export const store = (source: Aml, target: Aml): Aml => [0x70, ...source, ...target]
/** Arg0..Arg6. */
export const arg = (n: number): Aml => [0x68 + (n & 7)]
/** Package () { elements }. */
export const pkg = (...elements: Aml[]): Aml => withLength([0x12], [elements.length, ...elements.flat()])
/** Buffer () { bytes }. */
export const buffer = (bytes: Aml): Aml => withLength([0x11], [...integer(bytes.length), ...bytes])

function withLength(opcode: Aml, content: Aml): Aml {
  return [...opcode, ...pkgLength(content.length), ...content]
}

const le16 = (n: number): Aml => [n & 0xff, (n >>> 8) & 0xff]
const le32 = (n: number): Aml => [...le16(n), ...le16(n >>> 16)]

/** A Word (16-bit) or DWord (32-bit) address space descriptor: ResourceProducer, MinFixed, MaxFixed, PosDecode. */
function addressSpace(bits: 16 | 32, type: number, typeFlags: number, min: number, max: number): Aml {
  const field = bits === 16 ? le16 : le32
  const fields = [0, min, max, 0, max - min + 1].flatMap((n) => field(n)) // granularity, range, translation, length
  return [bits === 16 ? 0x88 : 0x87, ...le16(3 + fields.length), type, 0x0c, typeFlags, ...fields]
}

/** Resource descriptors for a ResourceTemplate (a _CRS buffer). */
export const resource = {
  /** WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode). */
  busNumbers: (min: number, max: number): Aml => addressSpace(16, 2, 0, min, max),
  /** WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange). */
  ioRange: (min: number, max: number): Aml => addressSpace(16, 1, 3, min, max),
  /** IO (Decode16, base, base, 1, length): ports the device itself consumes. */
  ioPorts: (base: number, length: number): Aml => [0x47, 1, ...le16(base), ...le16(base), 1, length],
  /** DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite). */
  memoryRange: (min: number, max: number): Aml => addressSpace(32, 0, 1, min, max),
  /** The end tag (checksum 0: "treated as if the checksum operation yielded zero"). */
  end: (): Aml => [0x79, 0],
} as const
