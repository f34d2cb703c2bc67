// The foreign-content merge: unknown children and attributes survive, keyed siblings keep their own extras.
import { describe, expect, it } from 'vitest'
import { mergeElement } from '../../src/settings/xml-merge'
import type { ElementSchema } from '../../src/settings/xml-merge'
import { el, parseXml, serializeXml } from '../../src/settings/xml-tree'

const schema: ElementSchema = {
  attrs: [],
  children: { Adapter: { attrs: ['slot', 'enabled'], key: ['slot'], children: { NAT: { attrs: [], children: {} } } } },
}

describe('mergeElement', () => {
  it('keeps the unknown content of the right sibling when one in the middle disappears', () => {
    const original = parseXml(
      '<Network><Adapter slot="0" enabled="true" future="a"><Extra n="0"/></Adapter><Adapter slot="1" enabled="true"/><Adapter slot="2" enabled="true" future="c"><Extra n="2"/></Adapter><Unknown/></Network>',
    )
    const generated = el('Network', {}, [
      el('Adapter', { slot: 0, enabled: 'false' }),
      el('Adapter', { slot: 2, enabled: 'true' }),
    ])
    const merged = serializeXml(mergeElement(original, generated, schema))
    expect(merged).toContain('<Adapter slot="0" enabled="false" future="a">')
    expect(merged).not.toContain('slot="1"')
    expect(merged).toMatch(/<Adapter slot="2" enabled="true" future="c">\s*<Extra n="2"\/>/)
    expect(merged).toMatch(/<Extra n="0"\/>[\s\S]*<Unknown\/>/)
  })

  it('appends new known children and drops known attributes that went back to their default', () => {
    const original = parseXml('<Network><Adapter slot="0" enabled="true"/></Network>')
    const generated = el('Network', {}, [
      el('Adapter', { slot: 0 }),
      el('Adapter', { slot: 3, enabled: 'true' }, [el('NAT')]),
    ])
    const merged = serializeXml(mergeElement(original, generated, schema))
    expect(merged).toContain('<Adapter slot="0"/>')
    expect(merged).toMatch(/<Adapter slot="3" enabled="true">\s*<NAT\/>/)
  })

  it('escapes and unescapes text and attribute values', () => {
    const root = el('Machine', { name: 'a "quoted" <name> & co' }, [
      el('Description', {}, [{ kind: 'text', value: 'x < y & z' }]),
    ])
    const back = parseXml(serializeXml(root))
    expect(back.attrs).toEqual([['name', 'a "quoted" <name> & co']])
    expect(back.children[0]).toMatchObject({ name: 'Description', children: [{ kind: 'text', value: 'x < y & z' }] })
  })
})
