// Running VMs with the API in this process (the VM itself always runs in its own process).
import { openVirtualBox } from '../src/index'
import { defineVmScenario, testDriver } from './vm-scenario'

process.env.BOXWOOD_MACHINE_DRIVER = testDriver

defineVmScenario(
  'in-process',
  (home) => openVirtualBox({ homeFolder: home }),
  async (home, old) => {
    await old.close()
    return openVirtualBox({ homeFolder: home })
  },
)
