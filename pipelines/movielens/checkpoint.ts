// Training checkpoints: one file, written whole to a temporary name and renamed over the
// old one, so a crash at any instant leaves either the previous checkpoint or the new one.
// Layout: "SLUICECK" (8 bytes), the JSON header's byte length (uint32 LE), the JSON header,
// zero padding to a multiple of 4, then every Float32Array named in header.arrays, in order.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { type EpochState, FileError, removeOrphans, SluiceError } from '../../src/index.js';
import { BIASED_MF_TABLES, type BiasedMF, type BiasedMfState } from '../../src/index.js';

const MAGIC = 'SLUICECK';
const VERSION = 2;
/** SHA-256 of every byte before it, last in the file: a damaged checkpoint is refused, never resumed from. */
const DIGEST_BYTES = 32;
/**
 * A checkpoint that cannot be resumed from: damaged (checksum, layout, non-finite values,
 * a cursor past an epoch's end), of another run (file or options differ), or of a run that
 * already trained every epoch asked for. `sluice train` exits with code 3 on it.
 */
export class CheckpointError extends SluiceError {
  override name = 'CheckpointError';
}

/** The file inside the checkpoint directory. */
export const CHECKPOINT_FILE = 'train.checkpoint';

/** What identifies a run: resuming is refused when any of it differs. */
export interface RunFingerprint {
  file: string;
  size: number;
  mtimeMs: number;
  /** The options that change what is trained (not backend, loader or progress). */
  options: Record<string, unknown>;
}

/** The plain part of a checkpoint (the tables travel as binary arrays). */
export interface CheckpointHeader {
  version: number;
  fingerprint: RunFingerprint;
  /** Where training stands: epoch and batches of it already trained. */
  cursor: EpochState;
  /** Sizes found by the indexing pass: checked again when the index is rebuilt on resume. */
  index: { users: number; items: number; trainRows: number; mean: number };
  model: { globalMean: number; learningRate: number; steps: Record<string, number> };
  arrays: { name: string; length: number }[];
  writtenAt: string;
}

export interface Checkpoint {
  header: CheckpointHeader;
  model: BiasedMfState;
}

/** The fingerprint of `file` trained with `options` (path resolved, size, mtime). */
export function fingerprint(file: string, options: Record<string, unknown>): RunFingerprint {
  const st = statSync(file);
  return { file: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs, options };
}

/**
 * Writes the model's state and the cursor to `dir` atomically (temp file, fsync, rename).
 * @example
 * writeCheckpoint('ckpt', { fingerprint: fp, cursor: { epoch: 1, position: 200 }, index }, model);
 */
export function writeCheckpoint(dir: string, meta: Pick<CheckpointHeader, 'fingerprint' | 'cursor' | 'index'>, model: BiasedMF): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const state = model.state();
  const arrays: { name: string; data: Float32Array }[] = [];
  const steps: Record<string, number> = {};
  for (const t of BIASED_MF_TABLES) {
    const s = state.tables[t];
    arrays.push({ name: `${t}.table`, data: s.table }, { name: `${t}.m`, data: s.m }, { name: `${t}.v`, data: s.v });
    steps[t] = s.step;
  }
  const header: CheckpointHeader = {
    version: VERSION,
    ...meta,
    model: { globalMean: state.globalMean, learningRate: state.learningRate, steps },
    arrays: arrays.map((a) => ({ name: a.name, length: a.data.length })),
    writtenAt: new Date().toISOString(),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  const head = Buffer.alloc(MAGIC.length + 4 + json.length + pad);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  json.copy(head, MAGIC.length + 4);
  const target = path.join(dir, CHECKPOINT_FILE);
  removeOrphans(target); // temporary files of runs killed while writing
  const temp = `${target}.tmp-${process.pid}`;
  const digest = createHash('sha256');
  const fsOp = <R>(op: string, f: () => R): R => {
    try {
      return f();
    } catch (e) {
      throw new FileError(temp, e, op);
    }
  };
  const fd = fsOp('create', () => openSync(temp, 'w'));
  try {
    const write = (bytes: Uint8Array): void => {
      digest.update(bytes);
      fsOp('write', () => writeAll(fd, bytes));
    };
    write(head);
    // Native byte order is little-endian on every platform Node supports in practice.
    for (const a of arrays) write(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    fsOp('write', () => writeAll(fd, digest.digest()));
    fsOp('sync', () => fsyncSync(fd));
  } finally {
    closeSync(fd);
  }
  fsOp('rename', () => renameSync(temp, target));
}

/** The index of the first NaN or ±Infinity, or -1 (a plain loop: tables reach tens of millions of values). */
function firstNonFinite(a: Float32Array): number {
  for (let k = 0; k < a.length; k++) if (a[k]! - a[k]! !== 0) return k;
  return -1;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** The checkpoint in `dir`, or undefined when there is none. A damaged file is an error. */
export function readCheckpoint(dir: string): Checkpoint | undefined {
  const target = path.join(dir, CHECKPOINT_FILE);
  if (!existsSync(target)) return undefined;
  const buf = readFileSync(target);
  const bad = (why: string) => new CheckpointError(`${target}: not a sluice training checkpoint (${why})`);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('bad magic');
  if (buf.length < MAGIC.length + 4 + DIGEST_BYTES) throw bad('truncated');
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - DIGEST_BYTES))) throw bad('its checksum does not match: the file is damaged or was written by an older version; delete it to start over');
  const n = buf.readUInt32LE(MAGIC.length);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + n)) as CheckpointHeader;
  } catch {
    throw bad('bad header');
  }
  if (header.version !== VERSION) throw bad(`version ${header.version}, expected ${VERSION}`);
  const { epoch, position } = header.cursor ?? {};
  if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(position) || position < 0) throw bad(`bad cursor ${JSON.stringify(header.cursor)}`);
  let at = MAGIC.length + 4 + n;
  at += (4 - (at % 4)) % 4;
  const byName = new Map<string, Float32Array>();
  for (const a of header.arrays) {
    const bytes = a.length * 4;
    if (!Number.isInteger(a.length) || a.length < 0 || at + bytes > body.length) throw bad('truncated');
    // Copied into a fresh, aligned buffer (the file buffer may not be 4-byte aligned).
    const values = new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes));
    // Training stops on a non-finite loss before it saves, so NaN or infinity here means
    // bytes written wrong (a valid checksum over garbage): resuming would train on NaN.
    const k = firstNonFinite(values);
    if (k >= 0) throw bad(`${a.name}[${k}] is ${values[k]}: the tables hold non-finite values; delete it to start over`);
    byName.set(a.name, values);
    at += bytes;
  }
  const get = (name: string) => {
    const a = byName.get(name);
    if (a === undefined) throw bad(`no array ${name}`);
    return a;
  };
  const tables = {} as BiasedMfState['tables'];
  for (const t of BIASED_MF_TABLES) tables[t] = { table: get(`${t}.table`), m: get(`${t}.m`), v: get(`${t}.v`), step: header.model.steps[t] ?? 0 };
  return { header, model: { globalMean: header.model.globalMean, learningRate: header.model.learningRate, tables } };
}

/**
 * Throws a clear CheckpointError when the checkpoint was written for another file (path, size,
 * modification time) or other options, naming what differs.
 */
export function checkFingerprint(dir: string, saved: RunFingerprint, now: RunFingerprint): void {
  const diffs: string[] = [];
  if (saved.file !== now.file) diffs.push(`file ${saved.file} → ${now.file}`);
  if (saved.size !== now.size) diffs.push(`file size ${saved.size} → ${now.size}`);
  if (saved.mtimeMs !== now.mtimeMs) diffs.push(`file modified (mtime ${new Date(saved.mtimeMs).toISOString()} → ${new Date(now.mtimeMs).toISOString()})`);
  const keys = new Set([...Object.keys(saved.options), ...Object.keys(now.options)]);
  // Checkpoints written before --epochs left the fingerprint still carry it: not a difference.
  keys.delete('epochs');
  for (const k of keys) {
    const a = JSON.stringify(saved.options[k] ?? null);
    const b = JSON.stringify(now.options[k] ?? null);
    if (a !== b) diffs.push(`${k} ${a} → ${b}`);
  }
  if (diffs.length > 0) {
    throw new CheckpointError(`--checkpoint ${dir} holds a checkpoint of a different run (${diffs.join('; ')}): use another directory, or delete it to start over`);
  }
}

/**
 * Throws a CheckpointError when training cannot go on from `cursor`: it is past the end of
 * an epoch of `batches` batches (damaged), or the run already trained `epochs` epochs
 * (nothing is left: a run that asks for more epochs goes on from there).
 * @example
 * checkResume('ckpt', { epoch: 10, position: 0 }, 10, 79); // throws: the run already finished 10 epochs
 */
export function checkResume(dir: string, cursor: EpochState, epochs: number, batches: number): void {
  if (cursor.position >= batches) {
    throw new CheckpointError(`--checkpoint ${dir}: damaged: its cursor (epoch ${cursor.epoch}, batch ${cursor.position}) is past the end of an epoch (${batches} batches); delete it to start over`);
  }
  if (cursor.epoch >= epochs) {
    const more = cursor.position > 0 ? ` and ${cursor.position} batches of the next` : '';
    throw new CheckpointError(
      `--checkpoint ${dir}: the run already finished ${cursor.epoch} epochs${more}, and --epochs is ${epochs}: nothing is left to train. ` +
        `Give a larger --epochs to train on from there, or another directory (or delete this one) to start over`,
    );
  }
}
