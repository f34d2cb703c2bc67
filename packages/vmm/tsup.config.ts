import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'device-api': 'src/device-api/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
})
