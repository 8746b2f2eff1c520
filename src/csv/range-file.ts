// What the byte-range readers (csvParallel, shuffledCsv) need of a file that csv() does not:
// a regular file, stat'ed before it is opened (a FIFO with no writer blocks open() forever,
// and neither a FIFO nor a device has ranges); one identity per epoch, checked at every
// range read and at the end; line numbers counted from the file's start for a bad row
// found in a range; and quoted newlines, which a reader that cuts at newlines cannot read,
// refused with the reason and the alternative.
import { fstatSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { FileError, type FileIdentity, identityChange, identityOf } from '../io/file.js';
import type { PositionedReader } from '../io/remote.js';

const LF = 0x0a;
const QUOTE = 0x22;

function regular(path: string, s: { isFile(): boolean; isDirectory(): boolean; dev: number; ino: number; size: number; mtimeMs: number }): FileIdentity {
  if (s.isDirectory()) throw new FileError(path, new Error('it is a directory'));
  if (!s.isFile()) throw new FileError(path, new Error('it is not a regular file (a FIFO, socket or device has no byte ranges; read it with csv())'));
  return identityOf(s);
}

/** The identity of the regular file at `path` (stat, never open): a FileError naming the path for a missing file, a directory, a FIFO or a device. */
export async function rangeFileIdentity(path: string): Promise<FileIdentity> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new FileError(path, e);
  }
  return regular(path, s);
}

/** rangeFileIdentity, synchronously (for checks made when a pipeline is built or a layout settled). */
export function rangeFileIdentitySync(path: string): FileIdentity {
  let s;
  try {
    s = statSync(path);
  } catch (e) {
    throw new FileError(path, e);
  }
  return regular(path, s);
}

/** A FileError when the file at `path` is no longer `identity` (the end-of-epoch check). */
export async function checkIdentity(path: string, identity: FileIdentity): Promise<void> {
  const now = identityOf(await stat(path).catch((e: unknown) => Promise.reject(new FileError(path, e))));
  const change = identityChange(path, identity, now);
  if (change !== undefined) throw change;
}

/** The FileError when an open file is no longer `identity` (after a positioned read). */
export async function checkHandle(path: string, reader: PositionedReader, identity: FileIdentity | undefined): Promise<void> {
  const handle = reader as PositionedReader & { fd?: number; stat?: () => Promise<{ dev: number; ino: number; size: number; mtimeMs: number }> };
  if (identity === undefined || handle.stat === undefined) return;
  // An open file's fstat answers from memory: asked directly, not through the thread pool
  // (a round trip a block read, a few hundred of them an epoch).
  const change = identityChange(path, identity, identityOf(typeof handle.fd === 'number' ? fstatSync(handle.fd) : await handle.stat()));
  if (change !== undefined) throw change;
}

/**
 * A range's error with its line counted from the file's start: a range numbers its rows
 * from 1 (its first whole line), which is line (newlines before byte start - 1) + 2.
 * Counted only when an error is reported, a block at a time (bounded memory).
 */
export async function absoluteError(error: unknown, start: number, reader: () => Promise<PositionedReader>): Promise<unknown> {
  if (!(error instanceof DataError) || start <= 0) return error;
  const file = await reader();
  const block = Buffer.allocUnsafe(Math.min(1 << 20, start));
  let newlines = 0;
  for (let at = 0; at < start - 1; ) {
    const { bytesRead } = await file.read(block, 0, Math.min(block.length, start - 1 - at), at);
    if (bytesRead === 0) break;
    for (let i = block.indexOf(LF); i >= 0 && i < bytesRead; i = block.indexOf(LF, i + 1)) newlines++;
    at += bytesRead;
  }
  const info = { file: error.file, line: error.line + newlines + 1, raw: error.raw, reason: error.reason };
  return new DataError(error.column === undefined ? info : { ...info, column: error.column });
}

/**
 * The line (1-based, within `block`, a run of whole lines) of a quote that opens a field
 * holding a newline, or that is never closed; -1 if none. Quotes are paired as they come
 * (an escaped "" is a pair): the lines of a range are read independently of each other,
 * so a field that crosses a newline cannot be read by a range reader.
 */
export function quotedNewline(block: Buffer): number {
  for (let open = block.indexOf(QUOTE); open >= 0; ) {
    const close = block.indexOf(QUOTE, open + 1);
    const nl = block.indexOf(LF, open + 1);
    if (nl >= 0 && (close < 0 || nl < close)) {
      let line = 1;
      for (let i = block.indexOf(LF); i >= 0 && i < open; i = block.indexOf(LF, i + 1)) line++;
      return line;
    }
    if (close < 0) return -1; // the block has no newline after it (not a whole line): nothing to say
    open = block.indexOf(QUOTE, close + 1);
  }
  return -1;
}

/** The refusal of a file with a quoted newline (or a quote never closed), for a range reader. */
export function quotedNewlineError(file: string, line: number, raw: string): DataError {
  return new DataError({
    file,
    line,
    raw,
    reason:
      'a quoted field holds a newline, or its quote is never closed: byte ranges (csvParallel, shuffledCsv, byteRange) cut the file at newlines and cannot read it; read this file with csv(), which reads quoted newlines',
  });
}
