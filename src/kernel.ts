// The WebAssembly kernel (source: wasm/csv-decode.ts, built into src/csv/csv-decode.wasm by
// `npm run build:wasm`): loaded once per thread, used by the fast CSV engine (csv/simd.ts),
// the block shuffle's labels (shuffle/hand-out.ts) and its interleave
// (shuffle/kernel-interleave.ts); a shuffle buffer's slots live in an instance of their own
// (ownKernel, shuffle/kernel-swap.ts).
// Its memory is shared by every user on the thread: each call lays out what it needs from
// heapBase() and keeps nothing there across an await or a yield.
import { readFileSync } from 'node:fs';

// The few WebAssembly types used here (the project's lib has no DOM types, where they live).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The kernel's exports (see wasm/csv-decode.ts for what each does). */
export interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  decode(p: number, end: number, nFields: number, desc: number, maxRows: number, delimiter: number): number;
  decodeDealt(p: number, end: number, nFields: number, desc: number, maxRows: number, delimiter: number, out: number, width: number, random: number): number;
  shuffleLabels(p: number, from: number, n: number, random: number): void;
  swapDrawn(buf: number, capacity: number, cols: number, stride: number, count: number, random: number, width: number): void;
  countLabels(labels: number, count: number, counts: number, blocks: number): void;
  interleaveRows(stage: number, next: number, labels: number, count: number, out: number, width: number): void;
  heapBase(): number;
}

let compiled: object | null | undefined;
let instance: KernelExports | undefined;
let enabled = true;

/**
 * Turns the kernel off (or on again) for what starts after the call: the differential tests
 * run the same input both ways. Not part of the public API.
 */
export function useSimdKernel(on: boolean): void {
  enabled = on;
}

/** Whether this thread has the kernel (false where WebAssembly SIMD is missing, or the kernel was not built). */
export function simdKernelLoaded(): boolean {
  return loaded() !== undefined;
}

/** The kernel, unless it is missing or turned off (then the JavaScript paths do everything). */
export function kernel(): KernelExports | undefined {
  return enabled ? loaded() : undefined;
}

function loaded(): KernelExports | undefined {
  if (compiled === undefined) {
    try {
      compiled = new wasm.Module(readFileSync(new URL('./csv/csv-decode.wasm', import.meta.url)));
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return undefined;
  return (instance ??= new wasm.Instance(compiled, {}).exports as unknown as KernelExports);
}

/**
 * A kernel instance of its own, with its own memory, for state that outlives a call (a
 * shuffle buffer's slots); undefined where there is no kernel, it is turned off, or no
 * instance can be made (V8 caps the address space WebAssembly memories reserve).
 */
export function ownKernel(): KernelExports | undefined {
  if (!enabled || loaded() === undefined) return undefined;
  try {
    return new wasm.Instance(compiled!, {}).exports as unknown as KernelExports;
  } catch {
    return undefined;
  }
}

/** The kernel's memory, grown to at least `bytes`. */
export function kernelMemory(k: KernelExports, bytes: number): ArrayBuffer {
  const m = k.memory;
  if (m.buffer.byteLength < bytes) m.grow(Math.ceil((bytes - m.buffer.byteLength) / 65536));
  return m.buffer;
}

/** `n` rounded up to a multiple of 64 (where each region of the kernel's memory starts). */
export function align64(n: number): number {
  return (n + 63) & ~63;
}
