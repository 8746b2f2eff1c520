// The Python peer: what a PyTorch user would write instead of sluice, on the same file and
// pipeline shape. It runs as its own process (`python3 -c SCRIPT …`), not in a node child,
// so its peak RSS and time are Python's own. The script lives here as text so that it ships
// in dist/ with the rest of the bench (tsc copies no .py files).
import { spawnSync } from 'node:child_process';
import type { ContenderArgs } from './contender.js';
import { runFlags } from '../protocol.js';

/** The interpreter `sluice bench` looks for unless `--python` names another. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The two peers: a hand-tuned stream, and the idiomatic DataLoader. */
export type PythonMode = 'stream' | 'dataloader';

/**
 * The peer's script. `stream`: pandas' C engine in chunks of 65,536 rows → a numpy shuffle
 * buffer (each chunk joins the `shuffle` rows carried over, the pool is permuted and all but
 * `shuffle` rows leave in batches) → `torch.from_numpy` per column of each batch.
 * `dataloader`: `pd.read_csv` of the whole file → `TensorDataset` of its columns →
 * `DataLoader(batch_size, shuffle=True)`. A file of `::` (ml-1m, ml-10m) is read by the C engine
 * on `:`, the empty fields between left out, as a tuned user would (`sep='::'` needs pandas'
 * Python engine, several times slower). Time runs from opening the file to the last batch
 * (imports excluded, as the node contenders exclude module loading); it prints the same
 * marked JSON line as a node child.
 */
export const PYTORCH_SCRIPT = String.raw`
import argparse, json, os, resource, sys, time
import numpy as np, pandas as pd, torch
from torch.utils.data import DataLoader, TensorDataset

p = argparse.ArgumentParser()
p.add_argument('--mode', required=True, choices=['stream', 'dataloader'])
p.add_argument('--file', required=True)
p.add_argument('--batch', type=int, required=True)
p.add_argument('--shuffle', type=int, required=True)
p.add_argument('--seed', type=int, required=True)
p.add_argument('--budget', type=float, required=True)
p.add_argument('--columns', required=True)
p.add_argument('--warmup', type=int, default=0)
p.add_argument('--chunk', type=int, default=65536)
p.add_argument('--delimiter', default=',')
p.add_argument('--names', default=None)
a = p.parse_args()
dtypes = {n: {'int32': np.int32, 'float32': np.float32, 'float64': np.float64}[d] for n, d in (s.split(':') for s in a.columns.split(','))}
names = list(dtypes)

def csv_args():
    d = a.delimiter
    header = None if a.names else 0
    if a.names:
        fields = a.names.split(',')
    else:
        with open(a.file, encoding='utf-8-sig') as f:
            fields = f.readline().rstrip('\r\n').split(d)
    if len(d) > 1 and d == d[0] * len(d):
        # '::' (ml-1m, ml-10m): the C engine on ':', the empty fields between named and left
        # out (sep='::' needs pandas' Python engine, several times slower).
        cols = []
        for i, n in enumerate(fields):
            cols.append(n)
            if i < len(fields) - 1:
                cols.extend('_%d_%d' % (i, k) for k in range(len(d) - 1))
        return dict(sep=d[0], header=header, names=cols, usecols=names, dtype=dtypes, engine='c')
    return dict(sep=d, header=header, names=fields, usecols=names, dtype=dtypes, engine='c' if len(d) == 1 else 'python')

def stream(deadline):
    rng = np.random.default_rng(a.seed)
    rows = 0
    def emit(pool, n):
        nonlocal rows
        for s in range(0, n, a.batch):
            tensors = [torch.from_numpy(pool[k][s:s + a.batch]) for k in names]
            rows += tensors[0].shape[0]
            if time.perf_counter() > deadline:
                return False
        return True
    carry = None
    with pd.read_csv(a.file, chunksize=a.chunk, **csv_args()) as reader:
        for chunk in reader:
            fresh = [chunk[k].to_numpy() for k in names]
            pool = fresh if carry is None else [np.concatenate((c, f)) for c, f in zip(carry, fresh)]
            size = len(pool[0])
            perm = rng.permutation(size)
            pool = [col[perm] for col in pool]
            out = (size - a.shuffle) // a.batch * a.batch if size > a.shuffle else 0
            if not emit(dict(zip(names, pool)), out):
                return rows, False
            carry = [col[out:] for col in pool]
    if carry is not None and not emit(dict(zip(names, carry)), len(carry[0])):
        return rows, False
    return rows, True

def dataloader(deadline):
    torch.manual_seed(a.seed)
    df = pd.read_csv(a.file, **csv_args())
    data = TensorDataset(*(torch.from_numpy(np.array(df[k].to_numpy(), copy=True)) for k in names))
    rows = 0
    for batch in DataLoader(data, batch_size=a.batch, shuffle=True):
        rows += batch[0].shape[0]
        if time.perf_counter() > deadline:
            return rows, False
    return rows, True

run = stream if a.mode == 'stream' else dataloader
warmup_rows = sum(run(time.perf_counter() + a.budget)[0] for _ in range(a.warmup))
cpu = time.process_time()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
started = time.perf_counter()
rows, complete = run(started + a.budget)
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sys.stdout.write('@@sluice-bench ' + json.dumps({'name': 'pytorch-' + a.mode, 'pid': os.getpid(), 'peakRssMb': peak, 'cpuSeconds': cpu, 'pageFaults': faults, 'warmupRows': warmup_rows, 'rows': rows, 'seconds': seconds, 'complete': complete}) + '\n')
`;

/** The command line of one peer run: `python -c SCRIPT --mode … --file …`. */
export function pythonArgs(mode: PythonMode, args: ContenderArgs): string[] {
  return [
    '-c', PYTORCH_SCRIPT,
    '--mode', mode,
    ...runFlags(args),
  ];
}

/** Whether the peer can run: the versions it runs with, or why it cannot (one line). */
export type PythonPeer = { readonly ok: true; readonly versions: string } | { readonly ok: false; readonly reason: string };

const checked = new Map<string, PythonPeer>();

/**
 * Checks once per interpreter that it starts and imports numpy, pandas and torch.
 * @example
 * const peer = pythonPeer('/usr/bin/python3'); // { ok: true, versions: 'python 3.11.2, pandas 1.5.3, torch 2.1.2' }
 */
export function pythonPeer(python: string): PythonPeer {
  let peer = checked.get(python);
  if (peer === undefined) {
    const probe = "import sys, numpy, pandas, torch; print('python %s, numpy %s, pandas %s, torch %s' % (sys.version.split()[0], numpy.__version__, pandas.__version__, torch.__version__))";
    const r = spawnSync(python, ['-c', probe], { encoding: 'utf8', timeout: 120_000 });
    if (r.error !== undefined) peer = { ok: false, reason: `${python} did not start (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
    else if (r.status !== 0) {
      const missing = /No module named '([^']+)'/.exec(r.stderr)?.[1];
      peer = { ok: false, reason: missing !== undefined ? `${python} has no module '${missing}'` : `${python} failed to import numpy, pandas and torch (exit code ${r.status})` };
    } else peer = { ok: true, versions: r.stdout.trim() };
    checked.set(python, peer);
  }
  return peer;
}
