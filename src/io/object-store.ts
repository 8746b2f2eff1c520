// Where objects live and how to reach them: credentials, region and endpoint the standard
// AWS way (env vars, ~/.aws/credentials profiles), overridable in options; plus the bounds
// every read obeys (requests in flight, timeout, retries). Signing is aws4fetch's SigV4.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkInt, describe, OptionError } from '../errors.js';
import { checkOptionNames } from '../options.js';
import { BlockCache, type BlockCacheOptions } from './block-cache.js';
import { Limiter, type RetryPolicy } from './retry.js';

export interface ObjectStoreOptions {
  /** Default: AWS_ACCESS_KEY_ID, else the profile's aws_access_key_id. */
  accessKeyId?: string;
  /** Default: AWS_SECRET_ACCESS_KEY, else the profile's. */
  secretAccessKey?: string;
  /** Default: AWS_SESSION_TOKEN, else the profile's. */
  sessionToken?: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else 'us-east-1'. */
  region?: string;
  /** e.g. 'http://127.0.0.1:9000' (path-style addressing). Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS's. */
  endpoint?: string;
  /** Profile of ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE). Default: AWS_PROFILE, else 'default'. */
  profile?: string;
  /** Range requests in flight at once, for all objects of this store. Default 8. */
  concurrency?: number;
  /** Bytes per request when a file is read front to back. Default 8 MiB. */
  partBytes?: number;
  /** Requests a front-to-back read keeps ahead of its reader. Default 4. */
  readAhead?: number;
  /** A request (headers and body) that takes longer is cut and retried. Default 30000 ms. */
  timeoutMs?: number;
  /** Tries after the first, on 5xx, 429/SlowDown, resets, cut bodies and timeouts. Default 5. */
  retries?: number;
  /** Base of the exponential backoff (full jitter). Default 100 ms. */
  backoffMs?: number;
  /** A local block cache: a directory, or its options. Default none. */
  cache?: string | BlockCacheOptions;
}

const NAMES = ['accessKeyId', 'secretAccessKey', 'sessionToken', 'region', 'endpoint', 'profile', 'concurrency', 'partBytes', 'readAhead', 'timeoutMs', 'retries', 'backoffMs', 'cache'];

/** Settled options, and what every object of the store shares: the signer, the limit on requests in flight, the cache. */
/** Signs a request with SigV4 (aws4fetch's AwsClient.sign). */
export interface Signer {
  sign(url: string, init: RequestInit): Promise<Request>;
}

/** aws4fetch, loaded when the first s3:// request is signed: an optional dependency, and nothing else needs it. */
async function loadSigner(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; region: string }): Promise<Signer> {
  const name = 'aws4fetch';
  let mod: { AwsClient: new (o: object) => Signer };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    throw new OptionError(`s3:// needs the 'aws4fetch' package (npm install aws4fetch): ${String(e)}`);
  }
  return new mod.AwsClient({ ...credentials, service: 's3', retries: 0 });
}

export interface ObjectStore {
  /** The SigV4 signer (undefined without credentials: requests go unsigned). */
  signer: (() => Promise<Signer>) | undefined;
  endpoint: string | undefined;
  region: string;
  limiter: Limiter;
  policy: RetryPolicy;
  timeoutMs: number;
  partBytes: number;
  readAhead: number;
  cache: BlockCache | undefined;
  /** Requests sent, retried, and bytes received: for tests and benchmarks. */
  counters: { requests: number; retries: number; bytes: number };
}

const stores = new Map<string, ObjectStore>();

/**
 * The store for these options: one per distinct settings, so that objects read with the
 * same options share one bound on requests in flight.
 * @example
 * const store = objectStore({ endpoint: 'http://127.0.0.1:9000', concurrency: 4 });
 */
export function objectStore(options: ObjectStoreOptions = {}): ObjectStore {
  checkOptionNames('objectStore', options, NAMES);
  const key = JSON.stringify(options, Object.keys(options).sort()) + JSON.stringify(envKey());
  const known = stores.get(key);
  if (known !== undefined) return known;
  const profile = readProfile(options.profile ?? process.env['AWS_PROFILE'] ?? 'default');
  const accessKeyId = options.accessKeyId ?? process.env['AWS_ACCESS_KEY_ID'] ?? profile['aws_access_key_id'];
  const secretAccessKey = options.secretAccessKey ?? process.env['AWS_SECRET_ACCESS_KEY'] ?? profile['aws_secret_access_key'];
  const sessionToken = options.sessionToken ?? process.env['AWS_SESSION_TOKEN'] ?? profile['aws_session_token'];
  const region = options.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? profile['region'] ?? 'us-east-1';
  const endpoint = (options.endpoint ?? process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'] ?? profile['endpoint_url'])?.replace(/\/+$/, '');
  if (endpoint !== undefined && !/^https?:\/\//i.test(endpoint)) throw new OptionError(`objectStore: endpoint must be an http(s) URL, got ${describe(endpoint)}`);
  let signing: Promise<Signer> | undefined;
  const signer =
    accessKeyId !== undefined && secretAccessKey !== undefined
      ? () => (signing ??= loadSigner({ accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }), region }))
      : undefined;
  const cache = options.cache === undefined ? undefined : new BlockCache(typeof options.cache === 'string' ? { dir: options.cache } : options.cache);
  const store: ObjectStore = {
    signer,
    endpoint,
    region,
    limiter: new Limiter(checkInt('objectStore', 'concurrency', options.concurrency ?? 8, 1)),
    policy: { retries: checkInt('objectStore', 'retries', options.retries ?? 5, 0), baseMs: checkInt('objectStore', 'backoffMs', options.backoffMs ?? 100, 0), maxMs: 10_000 },
    timeoutMs: checkInt('objectStore', 'timeoutMs', options.timeoutMs ?? 30_000, 1),
    partBytes: checkInt('objectStore', 'partBytes', options.partBytes ?? 8 << 20, 1),
    readAhead: checkInt('objectStore', 'readAhead', options.readAhead ?? 4, 1),
    cache,
    counters: { requests: 0, retries: 0, bytes: 0 },
  };
  stores.set(key, store);
  return store;
}

/** The env vars a store is made from: a change makes a new store. */
function envKey(): (string | undefined)[] {
  return ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_PROFILE'].map((k) => process.env[k]);
}

/** The key = value lines of one profile of the shared credentials and config files (empty if none). */
function readProfile(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  const files: [string, string][] = [
    [process.env['AWS_CONFIG_FILE'] ?? join(homedir(), '.aws', 'config'), name === 'default' ? 'default' : `profile ${name}`],
    [process.env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(homedir(), '.aws', 'credentials'), name],
  ];
  for (const [file, section] of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let inside = false;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/[#;].*$/, '').trim();
      const header = /^\[(.+)\]$/.exec(line);
      if (header !== null) inside = header[1]!.trim() === section;
      else if (inside && line.includes('=')) {
        const at = line.indexOf('=');
        out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
    }
  }
  return out;
}
