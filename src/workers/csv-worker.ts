// Worker entry of csvParallel (run by piscina): decodes the rows that start in one byte
// range of a CSV file and sends them back as chunks, typed arrays moved, not copied.

import { Piscina } from 'piscina';
import { csv, type CsvOptions } from '../sources/csv.js';
import { toWire, type WireChunk } from './wire.js';

export interface CsvTask {
  path: string;
  options: CsvOptions;
  start: number;
  end: number;
}

export default async function decodeRange(task: CsvTask): Promise<unknown> {
  const transfer: ArrayBuffer[] = [];
  const chunks: WireChunk[] = [];
  const ds = csv(task.path, { ...task.options, byteRange: [task.start, task.end] });
  for await (const chunk of ds.chunks()) chunks.push(toWire(chunk, transfer));
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: chunks } as never);
}
