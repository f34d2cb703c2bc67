// `@boxwood/test-net`: loopback TCP helpers shared by the test suites of main-api, frontends and tests/cli-e2e.
// Every export is named.
export { canConnect, connectWithRetry, freePort } from './loopback'
