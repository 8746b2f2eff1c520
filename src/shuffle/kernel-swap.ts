// A shuffle buffer's slots in a WebAssembly kernel instance of their own, for rows of four
// 4-byte values (MovieLens): the swap of each incoming row with a random slot runs in the
// kernel (swapDrawn in wasm/csv-decode.ts) at about a third of the JavaScript loop's time
// (swapDrawn4: its dozen typed-array accesses a row, each bounds-checked), the chunk's four
// columns copied in and out around it. The same draws, in the same order, as swapDrawn4.
import { align64, type KernelExports, kernelMemory, ownKernel } from '../kernel.js';

/** Rows the kernel swaps a call (the chunk's columns are copied in and out this many at a time). */
const ROWS_A_CALL = 4096;
/** Slots past this many stay in JavaScript (the instance's memory would pass 1 GiB). */
const MAX_CAPACITY = 1 << 26;

export class KernelSwap {
  /** The slots, row-major, four values a row: a view of the instance's memory, which never grows after it is made. */
  readonly slots: Int32Array;
  private readonly columns: Int32Array[];
  private readonly state: Int32Array;

  private constructor(
    private readonly k: KernelExports,
    private readonly capacity: number,
    private readonly at: { state: number; cols: number; buf: number },
  ) {
    const memory = k.memory.buffer;
    this.slots = new Int32Array(memory, at.buf, 4 * capacity);
    this.columns = [0, 1, 2, 3].map((c) => new Int32Array(memory, at.cols + 4 * ROWS_A_CALL * c, ROWS_A_CALL));
    this.state = new Int32Array(memory, at.state, 4);
  }

  /**
   * Slots for `capacity` rows of four 4-byte values in an instance of their own; undefined
   * where there is no kernel, no instance or not the memory for one (the JavaScript loop's).
   * @example
   * const swap = KernelSwap.create(10_000); // then swap.slots is the buffer's storage
   */
  static create(capacity: number): KernelSwap | undefined {
    if (capacity > MAX_CAPACITY) return undefined;
    const k = ownKernel();
    if (k === undefined) return undefined;
    const state = align64(k.heapBase());
    const cols = align64(state + 16);
    const buf = align64(cols + 16 * ROWS_A_CALL);
    try {
      kernelMemory(k, buf + 16 * capacity);
    } catch {
      return undefined;
    }
    return new KernelSwap(k, capacity, { state, cols, buf });
  }

  /**
   * Rows [from, from + count) of `cols` (four 4-byte columns, as Int32Arrays) trade places
   * with slots drawn from `random` (handed on), in order: swapDrawn4's order and result.
   */
  swapDrawn(cols: readonly Int32Array[], from: number, count: number, random: Int32Array): void {
    this.state.set(random);
    for (let done = 0; done < count; done += ROWS_A_CALL) {
      const n = Math.min(ROWS_A_CALL, count - done);
      const start = from + done;
      for (let c = 0; c < 4; c++) this.columns[c]!.set(cols[c]!.subarray(start, start + n));
      this.k.swapDrawn(this.at.buf, this.capacity, this.at.cols, 4 * ROWS_A_CALL, n, this.at.state);
      for (let c = 0; c < 4; c++) cols[c]!.set(this.columns[c]!.subarray(0, n), start);
    }
    random.set(this.state);
  }
}
