import * as tf from './tf.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import { OptionError, describe } from '../errors.js';

export type BackendName = 'node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

const CHOICES: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];

/**
 * Picks the TensorFlow.js backend and returns the one that runs. `'auto'` tries
 * `@tensorflow/tfjs-node` (native, fastest; optional: its install fails offline), then
 * wasm (SIMD; several times faster than cpu here), then cpu. Naming one backend fails
 * with an error when it cannot start. Prints nothing: tfjs's own "install tfjs-node"
 * banner is silenced.
 * @example
 * import { useBackend } from 'sluice/tf';
 * const name = await useBackend('auto'); // 'wasm' on a machine without tfjs-node
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  if (!CHOICES.includes(choice)) {
    throw new OptionError(`useBackend: backend must be one of ${CHOICES.join(', ')}, got ${describe(choice)}`);
  }
  const order: BackendName[] = choice === 'auto' ? ['node', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (await start(name)) return name;
      failures.push(`${name}: did not initialise`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  throw new OptionError(`useBackend: no backend could start (${failures.join('; ')})`);
}

async function start(name: BackendName): Promise<boolean> {
  if (tf.getBackend() === backendKey(name) && tf.findBackend(backendKey(name)) !== null) return true;
  switch (name) {
    case 'node': {
      // A variable specifier keeps TypeScript from requiring the (optional) package's types.
      const specifier = '@tensorflow/tfjs-node';
      await import(specifier);
      return tf.setBackend('tensorflow');
    }
    case 'wasm':
      return withoutProcessHandlers(async () => {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        // On Node the .wasm files are not found next to the bundle; point at the package's dist/.
        const require = createRequire(import.meta.url);
        const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
        wasm.setWasmPaths(dir);
        return tf.setBackend('wasm');
      });
    case 'cpu': {
      const ok = await tf.setBackend('cpu');
      silenceCpuBanner();
      return ok;
    }
  }
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `load` and then removes the process-level error handlers it added. The wasm
 * backend's emscripten module installs an 'uncaughtException' handler that rethrows from
 * its own minified source and exits with code 7, and an 'unhandledRejection' handler:
 * with them, a user's first mistake prints ~40 KB of emscripten before its message.
 * Without them, an uncaught error prints its own message and exits with Node's code.
 */
async function withoutProcessHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = PROCESS_EVENTS.map((event) => new Set<unknown>(process.listeners(event as 'uncaughtException')));
  try {
    return await load();
  } finally {
    PROCESS_EVENTS.forEach((event, k) => {
      for (const listener of process.listeners(event as 'uncaughtException')) {
        if (!before[k]!.has(listener)) process.removeListener(event, listener);
      }
    });
  }
}

function backendKey(name: BackendName): string {
  return name === 'node' ? 'tensorflow' : name;
}

/** The cpu backend prints an advert for tfjs-node on its first tensor; we were not asked to. */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu !== null && 'firstUse' in cpu) cpu.firstUse = false;
}
