// The shell-like command lines of the end-to-end tests split exactly where a shell would split them.
import { describe, expect, it } from 'vitest'
import { argv } from './argv'

describe('argv', () => {
  it('splits literal text at any white space, newlines included', () => {
    expect(argv`storageattach  vm --port 0
      --type hdd`).toEqual(['storageattach', 'vm', '--port', '0', '--type', 'hdd'])
  })

  it('keeps an interpolated value one argument, spaces and all, and joins it to text it touches', () => {
    const path = '/tmp/My VMs/disk one.vdi'
    expect(argv`storageattach vm --medium ${path} --port ${1}`).toEqual([
      'storageattach',
      'vm',
      '--medium',
      path,
      '--port',
      '1',
    ])
    expect(argv`modifyvm vm --uart-mode1=${'file'}:${path}x`).toEqual(['modifyvm', 'vm', `--uart-mode1=file:${path}x`])
  })

  it('passes an empty value as an empty argument and gives nothing for blank text', () => {
    expect(argv`setextradata vm key ${''}`).toEqual(['setextradata', 'vm', 'key', ''])
    expect(argv`${'a'}${'b'} ${'c'}`).toEqual(['ab', 'c'])
    expect(argv`  `).toEqual([])
  })
})
