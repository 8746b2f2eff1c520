// Many files as one dataset: a list, a directory, a glob (`*`, `?`, and `**` for any depth
// of folders: `data/*/part-*.csv`, `logs/**/*.csv`), or an s3:// prefix, expanded to the files it names with their sizes (and ETags, for
// objects), in name order.
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { SluiceError } from '../errors.js';
import type { ObjectStore } from './object-store.js';
import { isRemote, isS3, RemoteObject, RemoteReadError } from './remote.js';
import { withRetries } from './retry.js';

/** One file of a dataset: its name (path or URL), size, and for objects the ETag the listing saw. */
export interface ListedFile {
  name: string;
  size: number;
  etag?: string;
}

/**
 * The files `spec` names, in name order within each entry: a path, a directory (its files,
 * not its subdirectories; names starting with '.' or '_' left out, as Spark's _SUCCESS),
 * a glob (`data/part-*.csv`, `data/day-*-x/part-*.csv`, `s3://b/ratings-*.csv`: `*` and `?` stay
 * within a folder name; a folder named `**` stands for any depth of folders, none too), an
 * `s3://bucket/prefix/` (every object under it), an s3:// object or an http(s) URL; or a list of these.
 * @example
 * await listFiles('s3://bucket/ratings/', objectStore({ endpoint: 'http://127.0.0.1:9000' })); // [{ name: 's3://bucket/ratings/part-0.csv', size: …, etag: '"…"' }, …]
 */
export async function listFiles(spec: string | readonly string[], store: ObjectStore): Promise<ListedFile[]> {
  if (typeof spec !== 'string') return (await Promise.all(spec.map((s) => listFiles(s, store)))).flat();
  const wild = /[*?]/.test(spec);
  if (isS3(spec)) {
    if (!wild && !spec.endsWith('/')) return [await objectInfo(spec, store)];
    const prefix = wild ? spec.slice(0, spec.search(/[*?]/)) : spec;
    const pattern = wild ? globRegex(spec) : undefined;
    return (await listObjects(prefix, store)).filter((f) => pattern?.test(f.name) ?? true);
  }
  if (isRemote(spec)) return [await objectInfo(spec, store)];
  if (wild) {
    // The folders before the first wildcard are listed (recursively when the pattern spans folders).
    const segments = spec.split('/');
    const k = segments.findIndex((s) => /[*?]/.test(s));
    const base = segments.slice(0, k).join('/') || (spec.startsWith('/') ? '/' : '.');
    const rest = segments.slice(k).join('/');
    const pattern = globRegex(rest);
    const listed = await (rest.includes('/') ? readdir(base, { recursive: true }) : readdir(base)).catch((e: unknown) => Promise.reject(new SluiceError(`cannot list '${base}': ${String(e)}`)));
    return filesOf(base, listed.filter((n) => pattern.test(n.split(sep).join('/'))));
  }
  const s = await stat(spec).catch((e: unknown) => Promise.reject(new SluiceError(`cannot read '${spec}': ${String(e)}`)));
  if (s.isDirectory()) return filesOf(spec, (await readdir(spec)).filter((n) => !n.startsWith('.') && !n.startsWith('_')));
  return [{ name: spec, size: s.size }];
}

async function filesOf(dir: string, names: string[]): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    const s = await stat(path);
    if (s.isFile()) out.push({ name: path, size: s.size });
  }
  return out;
}

async function objectInfo(name: string, store: ObjectStore): Promise<ListedFile> {
  const { size, etag } = await new RemoteObject(name, store).stat();
  return { name, size, etag };
}

/** A glob over a whole name: `*` and `?` within one folder name, `**` as a folder for any depth (none too). */
export function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**/', i)) (out += '(?:[^/]*/)*'), (i += 2);
    else if (glob.startsWith('**', i)) (out += '.*'), i++;
    else if (glob[i] === '*') out += '[^/]*';
    else if (glob[i] === '?') out += '[^/]';
    else out += glob[i]!.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Every object under an s3:// prefix (ListObjectsV2, page by page), in key order. */
async function listObjects(prefix: string, store: ObjectStore): Promise<ListedFile[]> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(prefix);
  if (m === null) throw new SluiceError(`'${prefix}' is not s3://bucket/prefix`);
  const [, bucket, keyPrefix] = m as unknown as [string, string, string];
  const endpoint = store.endpoint ?? `https://s3.${store.region}.amazonaws.com`;
  const out: ListedFile[] = [];
  for (let token: string | undefined; ; ) {
    const query = new URLSearchParams({ 'list-type': '2', prefix: keyPrefix, ...(token === undefined ? {} : { 'continuation-token': token }) });
    const url = `${endpoint}/${bucket}?${query.toString()}`;
    const xml = await withRetries(
      () =>
        store.limiter.run(async () => {
          const init = { signal: AbortSignal.timeout(store.timeoutMs) };
          const request = store.signer === undefined ? new Request(url, init) : await (await store.signer()).sign(url, init);
          const response = await fetch(request);
          const text = await response.text();
          if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
          return text;
        }),
      store.policy,
    ).catch((e: unknown) => Promise.reject(new RemoteReadError(prefix, 0, 0, store.policy.retries + 1, e)));
    for (const [, body] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = unescape(tag(body!, 'Key'));
      if (key.endsWith('/')) continue; // a "folder" marker
      out.push({ name: `s3://${bucket}/${key}`, size: Number(tag(body!, 'Size')), etag: unescape(tag(body!, 'ETag')) });
    }
    if (tag(xml, 'IsTruncated') !== 'true') break;
    token = unescape(tag(xml, 'NextContinuationToken'));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function tag(xml: string, name: string): string {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1] ?? '';
}

function unescape(s: string): string {
  return s.replace(/&(quot|amp|lt|gt|apos|#(\d+));/g, (_, e: string, n?: string) => (n !== undefined ? String.fromCharCode(Number(n)) : ({ quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" } as Record<string, string>)[e]!));
}
