// The `pnpm bench` settings read from the environment, shared by bench.ts and the boot processes it starts
// (boot-child.ts inherits the environment).

/** Wall-clock limit of one boot (BOXWOOD_BENCH_BOOT_TIMEOUT_MS). */
export const TIMEOUT_MS = Number(process.env.BOXWOOD_BENCH_BOOT_TIMEOUT_MS ?? 1_800_000)
/** Echo the consoles to stderr (BOXWOOD_BENCH_ECHO=1). */
export const ECHO = process.env.BOXWOOD_BENCH_ECHO === '1'
/** Boxwood's time source (BOXWOOD_BENCH_TIME=deterministic: instruction-count time; otherwise real time). */
export const BOXWOOD_TIME = process.env.BOXWOOD_BENCH_TIME === 'deterministic' ? 'deterministic' : 'realtime'
/** Boxwood with the CPU's experimental wasm tier (BOXWOOD_WASM_TIER=1). */
export const WASM_TIER = process.env.BOXWOOD_WASM_TIER === '1'
