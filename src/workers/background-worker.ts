// Worker entry of background() (run by piscina). The pipeline that the user's module builds
// lives in this thread; each task pulls the next few chunks of one epoch (or closes it).
// Between tasks the thread is idle, so piscina unrefs it: an epoch its consumer abandoned
// never keeps the process alive.

import type { ChunkIterator, ChunkSource } from '../chunk.js';
import { importModule } from './load.js';
import { moved, toWire, type WireChunk } from './wire.js';

export interface BackgroundData {
  url: string;
  exportName: string;
  args: unknown[];
}

export interface PullTask {
  /** Names the background() source (unique in the process): its pipeline is built here once. */
  pipeline: string;
  /** Names the epoch across tasks (unique in the process). */
  id: string;
  /**
   * Set on the first pull of an epoch only: open epoch `epoch` of the pipeline that `data`
   * builds (the module and its arguments cross the thread boundary once per epoch, not per pull).
   */
  open?: { epoch: number; data: BackgroundData };
  /** Chunks wanted (0 with `close`). */
  want: number;
  close?: boolean;
}

export interface PullResult {
  chunks: WireChunk[];
  done: boolean;
  size: number | undefined;
  schema: unknown;
}

/** Pipelines built in this thread, by source: built once, opened per epoch. */
const built = new Map<string, Promise<ChunkSource<unknown>>>();
const epochs = new Map<string, { source: ChunkSource<unknown>; it: ChunkIterator<unknown> }>();

async function build(data: BackgroundData): Promise<ChunkSource<unknown>> {
  const mod = await importModule(data.url);
  let x = mod[data.exportName];
  if (typeof x === 'function') x = await (x as (...a: unknown[]) => unknown)(...data.args);
  const s = (x as { source?: unknown } | undefined)?.source ?? x;
  if (typeof (s as { open?: unknown } | undefined)?.open !== 'function') {
    throw new Error(`${data.url}: export '${data.exportName}' is not a Dataset or a function returning one`);
  }
  return s as ChunkSource<unknown>;
}

function pipeline(key: string, data: BackgroundData): Promise<ChunkSource<unknown>> {
  let p = built.get(key);
  if (p === undefined) {
    p = build(data);
    built.set(key, p);
    p.catch(() => built.delete(key));
  }
  return p;
}

export default async function pull(task: PullTask): Promise<unknown> {
  let epoch = epochs.get(task.id);
  if (task.close) {
    epochs.delete(task.id);
    await epoch?.it.return?.();
    return { chunks: [], done: true, size: epoch?.source.size, schema: epoch?.source.schema } satisfies PullResult;
  }
  if (epoch === undefined) {
    // A later pull for an epoch this thread never opened: the thread was replaced.
    if (task.open === undefined) throw new Error('background worker restarted in the middle of an epoch');
    const source = await pipeline(task.pipeline, task.open.data);
    epoch = { source, it: source.open(task.open.epoch) };
    epochs.set(task.id, epoch);
  }
  const { source, it } = epoch;
  const transfer: ArrayBuffer[] = [];
  const chunks: WireChunk[] = [];
  let done = false;
  try {
    while (chunks.length < task.want) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      chunks.push(toWire(r.value, transfer));
    }
  } catch (error) {
    epochs.delete(task.id);
    throw error;
  }
  if (done) epochs.delete(task.id);
  const result: PullResult = { chunks, done, size: source.size, schema: source.schema };
  return moved(result, transfer);
}
