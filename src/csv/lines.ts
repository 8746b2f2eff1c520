// Cuts a stream of byte blocks into runs of whole lines, so the decoders never see a row
// (or a number, or a UTF-8 character) split across blocks. Also drops a leading BOM and,
// for a byte range, keeps exactly the lines that start inside it.

const LF = 0x0a;

export interface LineBlockOptions {
  /** The first block starts at this file offset (0: drop a UTF-8 BOM there). */
  offset: number;
  /** Skip bytes up to and including the first newline (the range starts mid-file). */
  alignStart: boolean;
  /** Keep only lines that start before this file offset. */
  end?: number | undefined;
  /** Counts the bytes handed on. */
  onBytes?: (n: number) => void;
}

/**
 * Runs of whole lines: every yielded Buffer ends with '\n' (one is added to a last line
 * without one). A line longer than a block is joined from pieces; otherwise blocks are
 * passed on as views, and only the piece of a line straddling two blocks is copied.
 */
export async function* lineBlocks(blocks: AsyncIterator<Buffer>, options: LineBlockOptions): AsyncGenerator<Buffer, undefined> {
  try {
    yield* cut(blocks, options);
  } finally {
    await blocks.return?.();
  }
  return undefined;
}

async function* cut(blocks: AsyncIterator<Buffer>, options: LineBlockOptions): AsyncGenerator<Buffer, undefined> {
  let next = options.offset; // file offset of the next byte we receive
  let carry: Buffer[] = [];
  let skipping = options.alignStart;
  let head: Buffer | undefined = options.offset === 0 ? Buffer.alloc(0) : undefined; // bytes held to look for a BOM
  // The last byte we may need is the newline ending the line that holds byte end-1.
  const last = options.end === undefined ? Infinity : options.end - 1;
  if (options.end !== undefined && options.end <= options.offset + (options.alignStart ? 1 : 0)) return undefined;
  let done = false;
  while (!done) {
    const r = await blocks.next();
    if (r.done) break;
    let block = r.value;
    let base = next; // file offset of block[0]
    next += block.length;
    if (head !== undefined) {
      // A BOM may straddle reads: hold bytes until there are three.
      block = head.length > 0 ? Buffer.concat([head, block]) : block;
      base = next - block.length;
      if (block.length < 3 && block[0] === 0xef) {
        head = block;
        continue;
      }
      head = undefined;
      if (block[0] === 0xef && block[1] === 0xbb && block[2] === 0xbf) {
        block = block.subarray(3);
        base += 3;
      }
    }
    let start = 0;
    if (skipping) {
      const nl = block.indexOf(LF);
      if (nl === -1) continue;
      start = nl + 1;
      skipping = false;
      // No line starts inside the range (it lies within one line): nothing to yield.
      if (base + start > last) return undefined;
    }
    // Stop after the newline at or after `last`.
    let stopAt = block.length;
    if (base + block.length - 1 >= last) {
      const nl = block.indexOf(LF, Math.max(start, last - base));
      if (nl !== -1) {
        stopAt = nl + 1;
        done = true;
      }
    }
    const lastNl = stopAt > start ? block.lastIndexOf(LF, stopAt - 1) : -1;
    if (lastNl < start) {
      if (stopAt > start) carry.push(block.subarray(start, stopAt));
      continue;
    }
    if (carry.length > 0) {
      // The straddling line: the carried pieces plus this block up to its first newline.
      const nl = block.indexOf(LF, start);
      carry.push(block.subarray(start, nl + 1));
      const joined = Buffer.concat(carry);
      carry = [];
      options.onBytes?.(joined.length);
      yield joined;
      start = nl + 1;
    }
    if (lastNl + 1 > start) {
      options.onBytes?.(lastNl + 1 - start);
      yield block.subarray(start, lastNl + 1);
    }
    // Copy the tail so the block it came from can be collected.
    if (stopAt > lastNl + 1) carry.push(Buffer.from(block.subarray(lastNl + 1, stopAt)));
  }
  if (head !== undefined && head.length > 0 && !skipping) carry.push(head);
  if (carry.length > 0) {
    const tail = Buffer.concat([...carry, Buffer.from([LF])]);
    options.onBytes?.(tail.length - 1);
    yield tail;
  }
  return undefined;
}
