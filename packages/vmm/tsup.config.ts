import { defineConfig } from 'tsup'
import { keepConstInDist } from '../../tooling/build-config/src/dist'

export default defineConfig({
  entry: { index: 'src/index.ts', 'device-api': 'src/device-api/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  // esbuild makes top-level constants `var`s, which V8 does not fold into optimized code (tooling/build-config).
  onSuccess: async () => void keepConstInDist(),
})
