// Counts of what an epoch can leak: open file descriptors, threads (worker threads among
// them) and the handles that keep the event loop alive.
import { readdirSync, readlinkSync } from 'node:fs';

export interface Resources {
  fds: number;
  threads: number;
  handles: number;
}

export function resources(): Resources {
  return {
    fds: readdirSync('/proc/self/fd').filter((fd) => !isTsxCache(fd)).length,
    threads: readdirSync('/proc/self/task').length,
    handles: process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'Timeout' && r !== 'Immediate').length,
  };
}

/**
 * Files of tsx's compile cache (/tmp/tsx-<uid>/…): under `node --import tsx` each new worker
 * thread that loads TypeScript leaves one open (tsx, the test loader, not sluice: the built
 * package has none). Not counted.
 */
function isTsxCache(fd: string): boolean {
  try {
    return /\/tsx-\d+\//.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false; // closed meanwhile (the readdir's own fd)
  }
}

/** What has grown since `before` (0 for what has not). */
export function gained(before: Resources, after: Resources = resources()): Resources {
  return {
    fds: Math.max(0, after.fds - before.fds),
    threads: Math.max(0, after.threads - before.threads),
    handles: Math.max(0, after.handles - before.handles),
  };
}

/**
 * Waits (up to `turns` event-loop turns of 10 ms) for the counts to come back to `before`:
 * threads end and files close asynchronously after the promise that asked them to. Returns
 * what is still gained then.
 */
export async function settledGain(before: Resources, turns = 200): Promise<Resources> {
  let g = gained(before);
  for (let i = 0; i < turns && (g.fds > 0 || g.threads > 0 || g.handles > 0); i++) {
    await new Promise((r) => setTimeout(r, 10));
    g = gained(before);
  }
  return g;
}
