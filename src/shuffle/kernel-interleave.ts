// The block shuffle's interleave for packed rows of 4-byte values (MovieLens: three or four a
// row) in the WebAssembly kernel (interleaveRows in wasm/csv-decode.ts). A chunk's rows are
// first copied into the kernel's memory block by block, each block's in one sequential copy:
// the blocks were written by another thread and have mostly left this core's caches, and a
// copy in sequence keeps many of those misses in flight, where the JavaScript loop's order (a
// random one of 32 blocks a row) makes each one a wait. The kernel then interleaves from
// memory just read. Same output as interleave4 and interleavePacked (src/shuffle/width4.ts),
// which stay the reference.
import { align64, kernel, kernelMemory } from '../kernel.js';

/**
 * interleavePacked (packs, labels, from, count, cursors, dsts), rows of dsts.length values,
 * done by the kernel; false where there is none or its memory cannot grow (the caller runs
 * the JavaScript loop then).
 */
export function interleavedInKernel(packs: readonly Int32Array[], labels: Uint16Array, from: number, count: number, cursors: Int32Array, dsts: readonly Int32Array[]): boolean {
  const k = kernel();
  if (k === undefined) return false;
  const blocks = packs.length;
  const width = dsts.length;
  const rowBytes = 4 * width;
  const labelsAt = align64(k.heapBase());
  const nextAt = align64(labelsAt + 2 * count);
  const stageAt = align64(nextAt + 4 * blocks);
  const outAt = align64(stageAt + rowBytes * count);
  let memory: ArrayBuffer;
  try {
    memory = kernelMemory(k, outAt + rowBytes * count);
  } catch {
    return false;
  }
  new Uint16Array(memory, labelsAt, count).set(labels.subarray(from, from + count));
  // Rows each block gives the chunk, counted by the kernel, then where each block's rows start in the stage.
  k.countLabels(labelsAt, count, nextAt, blocks);
  const next = new Int32Array(memory, nextAt, blocks);
  const stage = new Int32Array(memory, stageAt, width * count);
  let row = 0;
  for (let b = 0; b < blocks; b++) {
    const rows = next[b]!;
    next[b] = row;
    if (rows === 0) continue;
    const at = cursors[b]!;
    stage.set(packs[b]!.subarray(width * at, width * (at + rows)), width * row);
    cursors[b] = at + rows;
    row += rows;
  }
  k.interleaveRows(stageAt, nextAt, labelsAt, count, outAt, width);
  for (let c = 0; c < width; c++) dsts[c]!.set(new Int32Array(memory, outAt + 4 * count * c, count));
  return true;
}
