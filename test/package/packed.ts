// The package as a user gets it: `npm pack` → install the tarball into an empty project →
// the README's library examples ("Use it in your project", "The library in one example")
// compile under `strict` with NodeNext and with Bundler resolution, and run under tsx (.ts)
// and plain node (compiled .js), the worker example included. Without skipLibCheck, the only
// errors are in tfjs 4.22's own declarations (see README, "Use it in your project").
// Not a *.test.ts file: it builds dist/ and installs (a minute or two), so .ci/run runs it
// on its own: `node --import tsx --test test/package/packed.ts`. The install is offline
// where npm's cache has everything and otherwise reaches the npm registry only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(os.tmpdir(), 'sluice-packed-'));
const app = join(dir, 'app');
after(() => rmSync(dir, { recursive: true, force: true }));

/** The ```ts blocks of a README section, with the file name each is written under. */
function sectionBlocks(readme: string, heading: string): { name: string; code: string }[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no section '${heading}'`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => {
    const code = m[1]!;
    const name = /^\/\/ ([\w-]+)\.ts —/.exec(code)?.[1] ?? `${heading.replace(/\W+/g, '-').toLowerCase()}-${i + 1}`;
    return { name, code };
  });
}

const blocks = (() => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...sectionBlocks(readme, 'Use it in your project'), ...sectionBlocks(readme, 'The library in one example')];
})();

async function sh(cmd: string, args: string[], cwd: string, timeout = 300_000): Promise<string> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, timeout, maxBuffer: 64 << 20, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
    return stdout + stderr;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

before(async () => {
  // prepack builds dist/ first.
  await sh(npm, ['pack', '--pack-destination', dir], root);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote no tarball');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }, null, 2));
  // Peer dependencies (the tfjs packages) are installed by npm itself, as for a user.
  await sh(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], app, 600_000);
  const du = await sh('du', ['-sh', 'node_modules'], app).catch(() => '?');
  process.stdout.write(`# installed app node_modules (sluice + peers): ${du.trim().split(/\s+/)[0]}\n`);
  // The tools are the repo's own (not part of the app's size): typescript, tsx, @types/node.
  mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
  for (const tool of ['typescript', 'tsx', '@types/node']) if (!existsSync(join(app, 'node_modules', tool))) symlinkSync(join(root, 'node_modules', tool), join(app, 'node_modules', tool), 'dir');
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let i = 0; i < 5000; i++) ratings.push(`${1 + (i % 97)},${1 + ((i * 7919) % 6709)},${1 + (i % 9) / 2},${964982703 + i}`);
  writeFileSync(join(app, 'ratings.csv'), ratings.join('\n') + '\n');
  for (const b of blocks) writeFileSync(join(app, `${b.name}.ts`), b.code);
});

test('the README sections have examples, the worker example among them', () => {
  const names = blocks.map((b) => b.name);
  assert.ok(names.includes('pipeline') && names.includes('main'), names.join(', '));
  assert.ok(blocks.length >= 3, names.join(', '));
});

test('the installed package: no source maps, a LICENSE, no prepare script, no tfjs umbrella or vega installed', () => {
  const pkg = join(app, 'node_modules', 'sluice');
  const files = (readdirSync(pkg, { recursive: true }) as string[]).map(String);
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  assert.ok(files.includes('LICENSE'));
  // The decode kernel ships built (without it the byte loop decodes everything, slower).
  assert.ok(files.includes(join('dist', 'src', 'csv', 'csv-decode.wasm')), 'the WebAssembly kernel is in the package');
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  assert.equal(manifest.scripts?.['prepare'], undefined);
  const installed = readdirSync(join(app, 'node_modules'));
  assert.ok(!installed.includes('vega') && !installed.includes('vega-lite'), 'vega installed');
  assert.ok(!readdirSync(join(app, 'node_modules', '@tensorflow')).includes('tfjs'), 'the @tensorflow/tfjs umbrella installed');
});

/** Runs tsc on `files` with these options; resolves to its error lines (empty: it compiled). */
async function tsc(name: string, files: string[], options: Record<string, unknown>): Promise<string[]> {
  const config = { compilerOptions: { target: 'ES2022', lib: ['ES2023'], types: ['node'], strict: true, ...options }, files };
  writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
  try {
    await exec(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], { cwd: app, maxBuffer: 64 << 20 });
    return [];
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e).split('\n').filter((l) => /error TS\d+/.test(l));
  }
}

const names = () => blocks.map((b) => `${b.name}.ts`);

for (const resolution of ['NodeNext', 'Bundler'] as const) {
  test(`the examples compile under strict with ${resolution} resolution`, { timeout: 300_000 }, async () => {
    const module = resolution === 'NodeNext' ? 'NodeNext' : 'ESNext';
    const errors = await tsc(resolution, names(), { module, moduleResolution: resolution, skipLibCheck: true, allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, outDir: `out-${resolution}` });
    assert.deepEqual(errors, []);
  });
}

test('without skipLibCheck, sluice\'s own declarations have no error (only tfjs\'s and @webgpu\'s do)', { timeout: 300_000 }, async () => {
  const errors = await tsc('nolibcheck', names(), { module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false, noEmit: true, allowImportingTsExtensions: true });
  const ours = errors.filter((l) => !/^node_modules\/@(tensorflow|webgpu)\//.test(l));
  assert.deepEqual(ours, []);
  // 'sluice/core' loads no TensorFlow.js types: it compiles with no error at all.
  writeFileSync(join(app, 'core-only.ts'), "import { csv, range } from 'sluice/core';\nconsole.log(await range(3).count(), typeof csv);\n");
  assert.deepEqual(await tsc('core', ['core-only.ts'], { module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false, noEmit: true }), []);
});

test('the examples run under tsx (.ts, the worker module as .ts)', { timeout: 300_000 }, async () => {
  for (const b of blocks.filter((x) => x.name !== 'pipeline')) {
    const out = await sh(process.execPath, ['--import', 'tsx', `${b.name}.ts`], app, 120_000);
    assert.doesNotMatch(out, /Error/, `${b.name}.ts printed:\n${out}`);
    if (b.name === 'main') assert.match(out, /5000 rows from a worker thread/);
  }
});

test('the compiled examples run under plain node (the worker module as .js)', { timeout: 300_000 }, async () => {
  // NodeNext output is what node runs; a package.json marks it ESM.
  writeFileSync(join(app, 'out-NodeNext', 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(app, 'out-NodeNext', 'ratings.csv'), readFileSync(join(app, 'ratings.csv')));
  for (const b of blocks.filter((x) => x.name !== 'pipeline')) {
    const out = await sh(process.execPath, [`${b.name}.js`], join(app, 'out-NodeNext'), 120_000);
    assert.doesNotMatch(out, /Error/, `${b.name}.js printed:\n${out}`);
    if (b.name === 'main') assert.match(out, /5000 rows from a worker thread/);
  }
});
