// An S3-compatible server for tests and benches: s3rver on 127.0.0.1, a free port, its
// objects in a temp dir; and a fault-injecting proxy in front of it (503s, bodies cut
// mid-way, stalls) on 127.0.0.1 too. Nothing here reaches past the loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { objectStore } from '../../src/io/object-store.js';
import { randomInt } from '../../src/random.js';

/** s3rver's fixed credentials. */
/** Whether s3rver (a dev dependency) is installed: the object-storage tests need it. */
export async function hasS3rver(): Promise<boolean> {
  return import('s3rver').then(
    () => true,
    () => false,
  );
}

export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' };

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** Store options that reach this server (credentials and endpoint). */
  store: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  put(key: string, body: Buffer | string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts s3rver with one bucket: in this process, or with `child` in a process of its own
 * (as a real server is: a benchmark's client then does not share its thread).
 * @example
 * const s3 = await startS3('data'); await s3.put('a.csv', 'x\n1\n'); … await s3.close();
 */
export async function startS3(bucket = 'data', options: { child?: boolean } = {}): Promise<S3Server> {
  if (options.child === true) return startS3Child(bucket);
  const { default: S3rver } = await import('s3rver');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return client(endpoint, bucket, async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

async function startS3Child(bucket: string): Promise<S3Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./s3-child.ts', import.meta.url)), bucket], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`s3rver child exited (${code}) before it listened`)));
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return client(endpoint, bucket, async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
  });
}

async function client(endpoint: string, bucket: string, close: () => Promise<void>): Promise<S3Server> {
  const signer = await objectStore({ endpoint, ...CREDENTIALS }).signer!();
  return {
    endpoint,
    bucket,
    store: { endpoint, ...CREDENTIALS },
    async put(key, body) {
      const r = await fetch(await signer.sign(`${endpoint}/${bucket}/${key}`, { method: 'PUT', body }));
      if (r.status !== 200) throw new Error(`PUT ${key}: HTTP ${r.status} ${await r.text()}`);
      return r.headers.get('etag') ?? '';
    },
    close,
  };
}

export type Fault = 'ok' | '503' | 'reset' | 'stall';

export interface FaultProxy {
  endpoint: string;
  /** Requests seen, and faults injected, by kind. */
  counts: Record<Fault, number>;
  /** Which fault the next request gets; default: none. */
  plan: (n: number, req: IncomingMessage, res: ServerResponse) => Fault;
  close(): Promise<void>;
}

/**
 * A proxy on 127.0.0.1 to `target` that injects faults: '503' answers SlowDown, 'reset'
 * sends half the body then destroys the socket, 'stall' sends the headers and then nothing.
 * Headers pass through unchanged, so SigV4 signatures (made for the proxy's host) hold.
 * @example
 * const proxy = await startFaultProxy(s3.endpoint, randomFaults(0.1, 7));
 */
export async function startFaultProxy(target: string, plan: FaultProxy['plan'] = () => 'ok'): Promise<FaultProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  let n = 0;
  const proxy: FaultProxy = { endpoint: '', counts: { ok: 0, '503': 0, reset: 0, stall: 0 }, plan, close: async () => {} };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fault = proxy.plan(n++, req, res);
    proxy.counts[fault]++;
    if (fault === '503') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (fault === 'stall') return; // headers, then silence: the client's timeout must fire
      if (fault === 'reset') {
        const length = Number(up.headers['content-length'] ?? 0);
        let sent = 0;
        up.on('data', (data: Buffer) => {
          if (sent >= length / 2) return;
          res.write(data.subarray(0, Math.max(1, Math.floor(length / 2) - sent)));
          sent += data.length;
          if (sent >= length / 2) res.socket?.destroy();
        });
        up.on('end', () => res.socket?.destroy());
        return;
      }
      up.pipe(res);
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

/**
 * A seeded plan that fails a fraction `p` of GET requests, spread evenly over 503, reset
 * and stall.
 * @example
 * startFaultProxy(endpoint, randomFaults(0.1, 1));
 */
export function randomFaults(p: number, seed: number, kinds: Fault[] = ['503', 'reset', 'stall']): FaultProxy['plan'] {
  const rand = randomInt(seed);
  return (_n, req) => (req.method === 'GET' && rand(1_000_000) < p * 1_000_000 ? kinds[rand(kinds.length)]! : 'ok');
}

/** id,a,b rows 0..n-1: id is unique, so a count per id checks exactly once. */
export function idRows(n: number, from = 0): string {
  let s = 'id,a,b\n';
  for (let i = from; i < from + n; i++) s += `${i},${(i * 7) % 13},${(i % 100) / 4}\n`;
  return s;
}

/** The ids of an epoch of idRows data, in the order delivered. */
export async function ids(ds: AsyncIterable<{ id: number }>): Promise<number[]> {
  const out: number[] = [];
  for await (const r of ds) out.push(r.id);
  return out;
}
