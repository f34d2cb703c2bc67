// A fingerprint of a machine's guest-visible state: the CPU's architectural state and RAM. Runs of the same phase
// from the same saved state in deterministic time must end with the same one, whatever build ran them.
import { createHash } from 'node:crypto'
import type { Vm } from '@boxwood/vmm'

/** SHA-1 (hex) of the CPU state and the RAM of `vm`. */
export function stateHash(vm: Vm): string {
  return createHash('sha1').update(JSON.stringify(vm.cpu.getState())).update(vm.cpu.ram).digest('hex')
}
