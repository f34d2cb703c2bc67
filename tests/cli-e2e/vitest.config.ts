import { workspaceTestConfig } from '../../vitest.shared'

export default workspaceTestConfig({ testTimeoutMs: 120_000 })
