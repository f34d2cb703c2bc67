import type { Vm } from '@boxwood/vmm'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'
import { planRegion } from '../../../packages/vmm/src/cpu/wasm/region-plan'
import { OP } from '../../../packages/vmm/src/cpu/block-decoder'
const NAMES = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k]))
let machine: Vm | undefined
setTimeout(() => {
  const c = machine!.cpu as any
  const b = c.blocks
  const page = Number(process.env.PAGE ?? 0x1fee)
  const blocks: any[] = []
  for (let slot = 0; slot < 65536; slot++) {
    const phys = b.tagPhys[slot]
    if (phys === -1 || phys >>> 12 !== page || b.tagGen[slot] !== b.pageGen[page] || b.tagMode[slot] !== 1 || b.count[slot] === 0) continue
    if (b.heat[slot] < 2000 && c.compiled[slot] === undefined) continue
    blocks.push({ slot, first: b.first[slot], count: b.count[slot], offset: phys & 0xfff, phys })
  }
  const plan = planRegion(b, blocks)
  const back = plan.loadsState.filter(Boolean).length
  console.log('blocks', blocks.length, 'cases', plan.cases.length, 'loads', back, 'nodes', plan.cases.reduce((a, x) => a + x.chain.length, 0))
  console.log(plan.cases.map((x, k) => `${plan.loadsState[k] ? '*' : ''}${x.offset.toString(16)}:${x.chain.length}/${plan.maxPath[k]}`).join(' '))
  const r = c.regions
  console.log('caseOf entries', r ? r.caseOf.filter((x: number) => x).length : 'n/a')
  process.exit(0)
}, Number(process.env.AT ?? 3000))
await bootBoxwood(loadGuest(), { time: 'realtime', timeoutMs: 600000, wasmTier: true, onMachine: (vm) => (machine = vm) })
