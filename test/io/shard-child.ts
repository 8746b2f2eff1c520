// One trainer process of the child-process shard test: reads its shard of an s3:// dataset
// (resuming from a job position when given), consumes `take` rows (all when negative), and
// writes the ids it consumed, its position and its receipt as JSON.
import { writeFileSync, readFileSync } from 'node:fs';
import { chunkToArray } from '../../src/chunk.js';
import { shuffledCsvFiles } from '../../src/sources/csv-files.js';

const [spec, storeJson, count, index, take, resumeFile, out] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const ds = shuffledCsvFiles(spec, {
  columns: { id: 'int32', a: 'int32', b: 'float64' },
  shuffle: { blockBytes: 2048, openBlocks: 4, seed: 9 },
  store: JSON.parse(storeJson) as object,
  shard: { count: Number(count), index: Number(index) },
  ...(resumeFile === '-' ? {} : { resume: JSON.parse(readFileSync(resumeFile, 'utf8')) }),
});
const limit = Number(take) < 0 ? Infinity : Number(take);
const ids: number[] = [];
for await (const chunk of ds.chunks({ epoch: 2 })) {
  const rows = chunkToArray(chunk).slice(0, limit - ids.length);
  ids.push(...rows.map((r) => r.id));
  if (ids.length >= limit) break;
}
writeFileSync(out, JSON.stringify({ ids, position: ds.position(ids.length), receipt: ds.receipt() }));
