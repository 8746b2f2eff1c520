// Loading a user's module inside a worker thread.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * `import(url)`, except that under `node --import tsx` on Node 20 a worker inherits tsx's
 * require hook but not its import hook: a .ts module that import() rejects is loaded
 * through require (which tsx compiles). That covers TypeScript modules without top-level await.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(url)) throw e;
    return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
  }
}
