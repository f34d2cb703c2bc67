// Snapshot chains with the API loaded in the test process.
import { openVirtualBox } from '../../src/index'
import { defineSnapshotChainTests } from './snapshot-chain'

defineSnapshotChainTests(
  'in-process',
  (home) => openVirtualBox({ homeFolder: home }),
  async (home, old) => {
    await old.close()
    return openVirtualBox({ homeFolder: home })
  },
)
