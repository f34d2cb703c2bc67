// Loading and atomically saving VirtualBox-format settings files: temp file + fsync + rename, previous version kept
// as `<file>-prev`, corrupt files reported with path and line (Settings.cpp ConfigFileBase::write; vbox-api.md §4.1).
import { existsSync } from 'node:fs'
import { mkdir, open, readFile, rename, copyFile } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { VBoxError } from '../api/errors'
import { mergeElement, type ElementSchema } from './xml-merge'
import { attr, child, parseXml, serializeXml, XmlSyntaxError, type XmlElement } from './xml-tree'

/** The XML namespace of every VirtualBox settings file. */
export const SETTINGS_NAMESPACE = 'http://www.virtualbox.org/'
/** The settings version Boxwood writes (VirtualBox 7.0 layout; 7.1 reads it unchanged). */
export const SETTINGS_VERSION_WRITTEN = '1.19'

/** The host platform tag of the version attribute ("1.19-linux"). */
export function hostPlatformTag(): string {
  switch (process.platform) {
    case 'win32':
      return 'windows'
    case 'darwin':
      return 'macosx'
    case 'sunos':
      return 'solaris'
    default:
      return process.platform
  }
}

/** A settings document as read: the root element kept whole so unknown content survives the next save. */
export interface LoadedSettings {
  readonly path: string
  readonly root: XmlElement
  readonly version: string
}

/** Reads and parses a settings file whose root is `<VirtualBox>` containing `inner`. */
export async function loadSettingsFile(path: string, inner: 'Machine' | 'Global'): Promise<LoadedSettings> {
  let source: string
  try {
    source = await readFile(path, 'utf8')
  } catch (error) {
    throw new VBoxError('VBOX_E_FILE_ERROR', `Could not read the settings file '${path}' (${(error as Error).message})`)
  }
  return parseSettings(path, source, inner)
}

/** Parses settings text; a syntax error becomes VBOX_E_XML_ERROR naming the file and line, offering `-prev`. */
export function parseSettings(path: string, source: string, inner: 'Machine' | 'Global'): LoadedSettings {
  let root: XmlElement
  try {
    root = parseXml(source)
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error
    const prev = `${path}-prev`
    const offer = existsSync(prev) ? ` The previous version is kept in '${prev}'.` : ''
    throw new VBoxError(
      'VBOX_E_XML_ERROR',
      `Error in ${path} (line ${error.line}, column ${error.column}): ${error.message}.${offer}`,
      'Settings',
    )
  }
  const problem =
    root.name !== 'VirtualBox'
      ? `root element is <${root.name}>, not <VirtualBox>`
      : attr(root, 'xmlns') !== SETTINGS_NAMESPACE
        ? `missing namespace ${SETTINGS_NAMESPACE}`
        : !child(root, inner)
          ? `no <${inner}> element`
          : undefined
  if (problem) throw new VBoxError('VBOX_E_XML_ERROR', `Error in ${path}: ${problem}`, 'Settings')
  const version = attr(root, 'version') ?? ''
  return { path, root, version }
}

/** Builds the document text for `inner`, merging into the previously loaded root so foreign content is kept. */
export function buildSettingsText(
  generatedInner: XmlElement,
  previous: XmlElement | undefined,
  schema: ElementSchema,
): { text: string; root: XmlElement } {
  const generated: XmlElement = {
    kind: 'element',
    name: 'VirtualBox',
    attrs: [
      ['xmlns', SETTINGS_NAMESPACE],
      ['version', `${SETTINGS_VERSION_WRITTEN}-${hostPlatformTag()}`],
    ],
    children: [generatedInner],
  }
  const root = mergeElement(previous, generated, schema)
  return { text: serializeXml(root), root }
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same folder is written and fsynced, the current
 * file is copied to `<path>-prev`, then the temporary file is renamed over `path` and the folder fsynced.
 */
export async function writeFileAtomic(path: string, text: string, keepPrevious = true): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  const handle = await open(temp, 'w', 0o600)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  if (keepPrevious && existsSync(path)) await copyFile(path, `${path}-prev`)
  await rename(temp, path)
  try {
    const dirHandle = await open(dir, 'r')
    try {
      await dirHandle.sync()
    } finally {
      await dirHandle.close()
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  }
}
