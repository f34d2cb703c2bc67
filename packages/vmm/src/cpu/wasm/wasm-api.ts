// The part of the host's WebAssembly API that the CPU uses, typed here because the project's TypeScript
// configuration has no DOM library (Node and browsers both provide the global). Absent where a host has no
// WebAssembly: guest RAM is then a plain ArrayBuffer and the CPU runs without its wasm tier.

/** A WebAssembly linear memory: guest RAM and the CPU's tables live in its buffer (wasm/arena.ts). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
}

/** A compiled module. */
export type WasmModule = object

/** An instance's exports (only functions here). */
export interface WasmInstance {
  readonly exports: Record<string, unknown>
}

/** The constructors and functions of the `WebAssembly` global that Boxwood calls. */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory
  Module: new (bytes: Uint8Array) => WasmModule
  /** Compiles off the calling thread. */
  compile(bytes: Uint8Array): Promise<WasmModule>
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance
}

/** The host's WebAssembly, or undefined without one. */
export const hostWasm: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
