// Keeps what Boxwood does not understand: merges a freshly generated settings tree into the tree last read from
// disk, so unknown elements and attributes survive in place (Settings.cpp's "tolerant reader" rule, vbox-api.md §4.1).
import type { XmlElement, XmlNode } from './xml-tree'

/** What Boxwood knows about one element: its attributes, its children, and the attributes identifying a child. */
export interface ElementSchema {
  readonly attrs: readonly string[]
  readonly children: Readonly<Record<string, ElementSchema>>
  /** Attributes that identify one of several same-named siblings (e.g. `slot`, `uuid`). */
  readonly key?: readonly string[]
  /** Text content is owned by Boxwood (e.g. Description). */
  readonly text?: boolean
}

/**
 * Merges `generated` (what Boxwood writes now) into `original` (what was on disk). Known attributes take the
 * generated value or disappear (default omitted); unknown attributes stay in their place. Unknown children stay
 * in their place; known children are merged recursively, matched by key; new ones are appended.
 */
export function mergeElement(
  original: XmlElement | undefined,
  generated: XmlElement,
  schema: ElementSchema,
): XmlElement {
  if (!original) return generated
  const knownAttrs = new Set(schema.attrs)
  const genAttrs = new Map(generated.attrs)
  const attrs: Array<[string, string]> = []
  for (const [key, value] of original.attrs) {
    if (!knownAttrs.has(key) && !genAttrs.has(key)) attrs.push([key, value])
    else if (genAttrs.has(key)) {
      attrs.push([key, genAttrs.get(key) as string])
      genAttrs.delete(key)
    }
  }
  for (const [key, value] of genAttrs) attrs.push([key, value])

  const pending = generated.children.filter((c): c is XmlElement => c.kind === 'element')
  const children: XmlNode[] = []
  for (const node of original.children) {
    if (node.kind !== 'element') {
      if (node.kind === 'comment' || !schema.text) children.push(node)
      continue
    }
    const childSchema = schema.children[node.name]
    if (!childSchema) {
      children.push(node)
      continue
    }
    const index = pending.findIndex((g) => g.name === node.name && sameKey(g, node, childSchema.key))
    if (index < 0) continue // Boxwood no longer writes it: deleted or back to its default
    const [match] = pending.splice(index, 1)
    children.push(mergeElement(node, match as XmlElement, childSchema))
  }
  children.push(...pending)
  if (schema.text) children.unshift(...generated.children.filter((c) => c.kind === 'text'))
  return { kind: 'element', name: generated.name, attrs, children }
}

function sameKey(a: XmlElement, b: XmlElement, key: readonly string[] | undefined): boolean {
  if (!key) return true
  return key.every((k) => a.attrs.find(([n]) => n === k)?.[1] === b.attrs.find(([n]) => n === k)?.[1])
}
