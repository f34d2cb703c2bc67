import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', disk: 'src/disk/index.ts', node: 'src/node/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
})
