// The Main API scenario with the API loaded in the test process.
import { openVirtualBox } from '../src/index'
import { defineScenario } from './scenario'

defineScenario(
  'in-process',
  (home) => openVirtualBox({ homeFolder: home }),
  async () => undefined,
)
