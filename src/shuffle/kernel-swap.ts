// A shuffle buffer's slots in a WebAssembly kernel instance of their own, for rows of 4-byte
// values (MovieLens: three or four a row): the swap of each incoming row with a random slot
// runs in the kernel (swapDrawn in wasm/csv-decode.ts) at about a third of the JavaScript
// loop's time (swapDrawn4: its dozen typed-array accesses a row, each bounds-checked), the
// chunk's columns copied in and out around it. The same draws, in the same order, as
// ColumnSlots.swapDrawn.
import { align64, type KernelExports, kernelMemory, ownKernel } from '../kernel.js';

/** Rows the kernel swaps a call (the chunk's columns are copied in and out this many at a time). */
const ROWS_A_CALL = 4096;
/** Slot bytes past this stay in JavaScript (the instance's memory would pass 1 GiB). */
const MAX_SLOT_BYTES = 1 << 30;
/**
 * Rows wider than this stay in JavaScript: the kernel's lead shrinks as rows widen (slots
 * that outgrow the caches, copies in and out), 2.4× at 8 columns, 1.2× at 12, 1.1× at 16,
 * 0.9× at 24 (bench/shuffle-widths.ts).
 */
const MAX_WIDTH = 12;

export class KernelSwap {
  /** The slots, row-major, `width` values a row: a view of the instance's memory, which never grows after it is made. */
  readonly slots: Int32Array;
  private readonly columns: Int32Array[];
  private readonly state: Int32Array;

  private constructor(
    private readonly k: KernelExports,
    private readonly capacity: number,
    private readonly width: number,
    private readonly at: { state: number; cols: number; buf: number },
  ) {
    const memory = k.memory.buffer;
    this.slots = new Int32Array(memory, at.buf, width * capacity);
    this.columns = Array.from({ length: width }, (_, c) => new Int32Array(memory, at.cols + 4 * ROWS_A_CALL * c, ROWS_A_CALL));
    this.state = new Int32Array(memory, at.state, 4);
  }

  /**
   * Slots for `capacity` rows of `width` 4-byte values in an instance of their own; undefined
   * where there is no kernel, no instance or not the memory for one (the JavaScript loop's).
   * @example
   * const swap = KernelSwap.create(10_000, 3); // then swap.slots is the buffer's storage
   */
  static create(capacity: number, width: number): KernelSwap | undefined {
    if (width < 1 || width > MAX_WIDTH || 4 * width * capacity > MAX_SLOT_BYTES) return undefined;
    const k = ownKernel();
    if (k === undefined) return undefined;
    const state = align64(k.heapBase());
    const cols = align64(state + 16);
    const buf = align64(cols + 4 * width * ROWS_A_CALL);
    try {
      kernelMemory(k, buf + 4 * width * capacity);
    } catch {
      return undefined;
    }
    return new KernelSwap(k, capacity, width, { state, cols, buf });
  }

  /**
   * Rows [from, from + count) of `cols` (`width` 4-byte columns, as Int32Arrays) trade places
   * with slots drawn from `random` (handed on), in order: ColumnSlots.swapDrawn's order and result.
   */
  swapDrawn(cols: readonly Int32Array[], from: number, count: number, random: Int32Array): void {
    this.state.set(random);
    for (let done = 0; done < count; done += ROWS_A_CALL) {
      const n = Math.min(ROWS_A_CALL, count - done);
      const start = from + done;
      for (let c = 0; c < this.width; c++) this.columns[c]!.set(cols[c]!.subarray(start, start + n));
      this.k.swapDrawn(this.at.buf, this.capacity, this.at.cols, 4 * ROWS_A_CALL, n, this.at.state, this.width);
      for (let c = 0; c < this.width; c++) cols[c]!.set(this.columns[c]!.subarray(0, n), start);
    }
    random.set(this.state);
  }
}
