import { workspaceTestConfig } from '../../vitest.shared'

export default workspaceTestConfig({ testTimeoutMs: 60_000 })
