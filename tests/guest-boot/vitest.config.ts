import { workspaceTestConfig } from '../../vitest.shared'

// Guest boots run millions of instructions: generous per-test timeouts (the suite itself stays small).
export default workspaceTestConfig({ testTimeoutMs: 900_000 })
