import { defineConfig } from 'tsup'
import { keepConstInDist } from '../../tooling/build-config/src/dist'

// Two binaries (package.json `bin`): each is one ESM file with a node shebang. @boxwood/main-api stays an
// external import (it starts its own service and VM-process entry points from its dist/).
export default defineConfig({
  entry: { index: 'src/index.ts', boxmanage: 'src/cli/main.ts', boxheadless: 'src/headless/main.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // esbuild makes top-level constants `var`s, which V8 does not fold into optimized code (tooling/build-config).
  onSuccess: async () => void keepConstInDist(),
  banner: { js: '#!/usr/bin/env node' },
})
