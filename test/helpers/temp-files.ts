// A temp directory for one test file's fixtures, removed when the file's tests end, and a
// writer that names each fixture in turn.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export function tempFiles(prefix: string): { dir: string; file: (text: string | Buffer, name?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = (text: string | Buffer, name = `t${n++}.csv`): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  return { dir, file };
}
