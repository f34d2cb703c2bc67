// Child process of the crash test: opens an image for writing and runs the seeded plan, printing "ack N" after
// each flush that made the first N writes durable. The parent kills it at a random point.

import { openImage } from '../../src/disk/index'
import { nodeDiskHost } from '../../src/node/index'
import { makePlan, planBytes } from './crash-plan'

const [path, seedText, sizeText, countText, parentPath] = process.argv.slice(2)
const host = nodeDiskHost()
const image = await openImage(host, path ?? '', {
  resolveParent: () => parentPath || undefined,
})
const plan = makePlan(Number(seedText), Number(sizeText), Number(countText))
process.stdout.write('ready\n')
for (const [index, write] of plan.entries()) {
  await image.write(write.offset, planBytes(write))
  if (write.flush) {
    await image.flush()
    process.stdout.write(`ack ${index + 1}\n`)
  }
}
await image.close()
process.stdout.write('done\n')
