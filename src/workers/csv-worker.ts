// Worker entry of csvParallel and shuffledCsv (run by piscina, loaded by URL only).
import { decodeWindow, streamRanges, type StreamTask, type WindowTask } from '../csv/worker-tasks.js';

export default async function run(task: StreamTask | WindowTask): Promise<unknown> {
  return 'window' in task ? decodeWindow(task) : streamRanges(task);
}
