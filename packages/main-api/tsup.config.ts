import { defineConfig } from 'tsup'
import { keepConstInDist } from '../../tooling/build-config/src/dist'

export default defineConfig({
  // The service and the VM process are started as separate Node processes from dist/ (see src/process/entry-points.ts).
  entry: {
    index: 'src/index.ts',
    client: 'src/client-entry.ts',
    boxsvc: 'src/service/boxsvc-main.ts',
    'vm-process': 'src/client/vm-process-main.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', client: 'src/client-entry.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  // esbuild makes top-level constants `var`s, which V8 does not fold into optimized code (tooling/build-config).
  onSuccess: async () => void keepConstInDist(),
})
