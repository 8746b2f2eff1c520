// Issue 16's must-reach figures, one run: a MovieLens-shaped CSV served by s3rver on
// 127.0.0.1 (nothing leaves the machine).
//   node --import tsx bench/object-storage.ts [rows=10000000] [rounds=3] [parts=1,2,3,4,5]
// s3rver runs in a process of its own (as a real server does), so the client's threads do
// not share its event loop.
// 1. cold block-shuffled epoch from s3rver vs bare parallel range GETs of the same object
// 2. warm (block cache) epoch vs the same epoch from the local file (wall and CPU time of all threads)
// 3. 4 shards: bytes read per shard, batches per shard, union exactly once, also 4 → 2 resume
// 4. time to first batch resuming at 90% of an epoch vs a fresh epoch
// 5. 10% injected request failures: every row exactly once
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkLength } from '../src/chunk.js';
import { shuffledCsv } from '../src/csv/shuffled.js';
import { objectStore, type ObjectStoreOptions } from '../src/io/object-store.js';
import { Coverage, type Receipt } from '../src/shuffle/coverage.js';
import { joinPositions, type ShardPosition } from '../src/shuffle/shard-plan.js';
import { shuffledCsvFiles } from '../src/sources/csv-files.js';
import { writeMovieLensFile } from '../test/helpers/movielens-file.js';
import { randomFaults, startFaultProxy, startS3 } from '../test/helpers/s3-server.js';

const rows = Number(process.argv[2] ?? 10_000_000);
const rounds = Number(process.argv[3] ?? 3);
const parts = new Set((process.argv[4] ?? '1,2,3,4,5').split(','));
const columns = { userId: 'int32', movieId: 'int32', rating: 'float32', timestamp: 'int32' } as const;
const shuffle = { seed: 1 };
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-s3-'));
const path = join(dir, 'ratings.csv');
const MiB = 1 << 20;
const now = (): number => performance.now();
const report: Record<string, unknown> = { rows };

let t = now();
writeMovieLensFile(path, { rows, seed: 1 });
const size = statSync(path).size;
report['fileMiB'] = +(size / MiB).toFixed(1);
const s3 = await startS3('data', { child: true });
await s3.put('ratings.csv', readFileSync(path));
const key = 's3://data/ratings.csv';
console.error(`file ${report['fileMiB']} MiB written and uploaded in ${((now() - t) / 1000).toFixed(1)} s`);
let storeN = 0;
/** A fresh store per measure (own counters, own connection pool bound). */
const store = (o: ObjectStoreOptions = {}): ObjectStoreOptions => ({ ...s3.store, concurrency: 8, retries: 6, backoffMs: 50, timeoutMs: 30_000 + storeN++, ...o });

/** One epoch; its rows digested (for exactly-once checks) or, in timed rounds, only counted (the digest is consumer work, not loading). */
async function epoch(ds: AsyncIterable<unknown> & { chunks(o?: { epoch?: number }): AsyncIterable<unknown> }, e = 0, digest = true): Promise<{ s: number; rows: number; coverage: Receipt }> {
  const c = new Coverage();
  let n = 0;
  const start = now();
  for await (const chunk of ds.chunks({ epoch: e }) as AsyncIterable<Parameters<Coverage['add']>[0]>) {
    n += chunkLength(chunk);
    if (digest) c.add(chunk);
  }
  return { s: (now() - start) / 1000, rows: n, coverage: c.receipt() };
}

// The digest of every row, read plainly from the local file (the reference for exactly once).
const whole = await epoch(shuffledCsvFiles(path, { columns, shuffle }));
if (whole.rows !== rows) throw new Error(`reference read ${whole.rows} rows`);

// 1. Bare parallel range GETs (8 MiB × 4 in flight, as DESIGN's figure) vs the cold epoch,
// in alternating rounds after one warm-up of each (threads started, code compiled; the
// warm-up epoch's rows are digested to check exactly once, the timed ones only counted); medians.
if (parts.has('1')) {
  const bare = async (): Promise<number> => {
    const signer = await objectStore(store({ concurrency: 4 })).signer!();
    const start = now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let at = (next += 8 * MiB) - 8 * MiB; at < size; at = (next += 8 * MiB) - 8 * MiB) {
        const r = await fetch(await signer.sign(`${s3.endpoint}/data/ratings.csv`, { headers: { range: `bytes=${at}-${Math.min(size, at + 8 * MiB) - 1}` } }));
        await r.arrayBuffer();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return size / MiB / ((now() - start) / 1000);
  };
  const cpu = (): number => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cold = async (digest = false): Promise<{ MiBps: number; cpuS: number; once: boolean }> => {
    const c = cpu();
    const r = await epoch(shuffledCsv(key, { columns, shuffle, store: store() }), 0, digest);
    return { MiBps: size / MiB / r.s, cpuS: cpu() - c, once: r.rows === rows && (!digest || r.coverage.digest === whole.coverage.digest) };
  };
  await bare();
  let once = (await cold(true)).once;
  const runs: { bare: number; bareCpuS: number; cold: number; coldCpuS: number; ratio: number; load: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const c = cpu();
    const b = await bare();
    const bareCpuS = cpu() - c;
    const k = await cold();
    once &&= k.once;
    runs.push({ bare: +b.toFixed(1), bareCpuS: +bareCpuS.toFixed(2), cold: +k.MiBps.toFixed(1), coldCpuS: +k.cpuS.toFixed(2), ratio: +(k.MiBps / b).toFixed(2), load: +loadavg()[0]!.toFixed(1) });
    console.error(JSON.stringify(runs.at(-1)));
  }
  report['1_rounds'] = runs;
  report['1_bareRangeGetsMiBps'] = median(runs.map((x) => x.bare));
  report['1_coldShuffledEpochMiBps'] = median(runs.map((x) => x.cold));
  report['1_coldOverBare'] = median(runs.map((x) => x.ratio));
  report['1_coldExactlyOnce'] = once;
}

// 2. Warm block cache vs local file, alternating rounds (rows counted), medians.
if (parts.has('2')) {
  const cached = store({ cache: { dir: join(dir, 'blocks'), maxBytes: 4 * size } });
  const ds = shuffledCsv(key, { columns, shuffle, store: cached });
  await epoch(ds, 0, false);
  const before = objectStore(cached).counters.bytes;
  const cpu = (): number => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  const runs: { warmS: number; warmCpuS: number; localS: number; localCpuS: number; ratio: number; cpuRatio: number; load: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    let c = cpu();
    const warm = await epoch(ds, 1, false);
    const warmCpuS = cpu() - c;
    c = cpu();
    const local = await epoch(shuffledCsv(path, { columns, shuffle }), 1, false);
    const localCpuS = cpu() - c;
    runs.push({ warmS: +warm.s.toFixed(2), warmCpuS: +warmCpuS.toFixed(2), localS: +local.s.toFixed(2), localCpuS: +localCpuS.toFixed(2), ratio: +(local.s / warm.s).toFixed(2), cpuRatio: +(localCpuS / warmCpuS).toFixed(2), load: +loadavg()[0]!.toFixed(1) });
    console.error(JSON.stringify(runs.at(-1)));
  }
  report['2_rounds'] = runs;
  report['2_warmOverLocal'] = [...runs.map((x) => x.ratio)].sort((x, y) => x - y)[Math.floor(runs.length / 2)]!;
  report['2_warmOverLocalCpu'] = [...runs.map((x) => x.cpuRatio)].sort((x, y) => x - y)[Math.floor(runs.length / 2)]!;
  report['2_cache'] = { ...objectStore(cached).cache!.counters, note: "this thread's (the csv workers keep their own)" };
  report['2_warmBytesFromServer'] = objectStore(cached).counters.bytes - before;
}

// 3. 4 shards (one after another here; the child-process test runs them at once), then 4 → 2.
if (parts.has('3')) {
  const receipts: Receipt[] = [];
  const perShard: { bytesOverFile: number; batches: number; rows: number; dropped: number; repeated: number }[] = [];
  for (let index = 0; index < 4; index++) {
    const st = store();
    const ds = shuffledCsvFiles(key, { columns, shuffle, store: st, shard: { count: 4, index, batchSize: 1024 } });
    const r = await epoch(ds);
    const receipt = ds.receipt();
    receipts.push(receipt, receipt.dropped);
    perShard.push({ bytesOverFile: +(objectStore(st).counters.bytes / size).toFixed(3), batches: r.rows / 1024, rows: r.rows, dropped: receipt.dropped.rows, repeated: receipt.repeated } as (typeof perShard)[number]);
  }
  report['3_shards'] = perShard;
  report['3_deliveredPlusDroppedExactlyOnce'] = JSON.stringify(Coverage.sum(receipts)) === JSON.stringify(whole.coverage);
  // Checkpoint with 4 shards part-way (whole chunks, so the receipts cover exactly what was consumed), resume with 2.
  const parts: Receipt[] = [];
  const positions: ShardPosition[] = [];
  for (let index = 0; index < 4; index++) {
    const ds = shuffledCsvFiles(key, { columns, shuffle, store: store(), shard: { count: 4, index } });
    const stopAt = [0.2, 0.5, 0.7, 0.95][index]! * (rows / 4);
    let n = 0;
    for await (const chunk of ds.chunks({ epoch: 3 })) if ((n += chunkLength(chunk)) >= stopAt) break;
    parts.push(ds.receipt());
    positions.push(ds.position());
  }
  const job = joinPositions(positions);
  for (let index = 0; index < 2; index++) parts.push((await epoch(shuffledCsvFiles(key, { columns, shuffle, store: store(), shard: { count: 2, index }, resume: job }), 3)).coverage);
  report['3_resume4to2ExactlyOnce'] = JSON.stringify(Coverage.sum(parts)) === JSON.stringify(whole.coverage);
}

// 4. Time to first batch: fresh epoch vs resumed at 90%.
if (parts.has('4')) {
  const firstBatch = async (ds: { chunks(o: { epoch: number }): AsyncIterable<unknown> }): Promise<number> => {
    const start = now();
    for await (const _ of ds.chunks({ epoch: 4 })) break;
    return (now() - start) / 1000;
  };
  const fresh = await firstBatch(shuffledCsvFiles(key, { columns, shuffle, store: store(), shard: { count: 1, index: 0 } }));
  const ds = shuffledCsvFiles(key, { columns, shuffle, store: store(), shard: { count: 1, index: 0 } });
  let n = 0;
  for await (const chunk of ds.chunks({ epoch: 4 })) if ((n += chunkLength(chunk)) >= 0.9 * rows) break;
  const job = joinPositions([ds.position()]);
  const resumed = await firstBatch(shuffledCsvFiles(key, { columns, shuffle, store: store(), shard: { count: 1, index: 0 }, resume: job }));
  report['4_freshFirstBatchS'] = +fresh.toFixed(3);
  report['4_resumed90FirstBatchS'] = +resumed.toFixed(3);
  report['4_resumedOverFresh'] = +(resumed / fresh).toFixed(2);
}

// 5. 10% of requests fail (503, body cut mid-way, stall past the timeout).
if (parts.has('5')) {
  const proxy = await startFaultProxy(s3.endpoint, randomFaults(0.1, 16));
  const r = await epoch(shuffledCsv(key, { columns, shuffle, store: store({ endpoint: proxy.endpoint, timeoutMs: 2000, retries: 8 }) }));
  report['5_faults'] = proxy.counts;
  report['5_exactlyOnce'] = r.rows === rows && r.coverage.digest === whole.coverage.digest;
  report['5_epochS'] = +r.s.toFixed(2);
  await proxy.close();
}

console.log(JSON.stringify(report, null, 1));
await s3.close();
rmSync(dir, { recursive: true, force: true });
