// `sluice <command> …`: each sub-command lives in its own file and exports `command`.
import { pathToFileURL } from 'node:url';
import { type Command, errorExitCode } from './command.js';

/** Sub-command name → module (loaded on demand, so `sluice inspect` never loads TensorFlow). */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  demo: () => import('./demo.js'),
  inspect: () => import('./inspect.js'),
  gen: () => import('./gen.js'),
  train: () => import('./train.js'),
  bench: () => import('./bench.js'),
  convert: () => import('./convert.js'),
  profile: () => import('./profile.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name === undefined ? 1 : 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`sluice: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  let command: Command;
  try {
    ({ command } = await load());
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(e).includes(`/cli/${name}.`)) {
      process.stderr.write(`sluice: '${name}' is not available in this build\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    process.stderr.write(`sluice ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.SLUICE_DEBUG) console.error(e);
    return errorExitCode(e);
  }
}

async function usage(): Promise<string> {
  const lines = ['usage: sluice <command> [options]   (sluice <command> --help for its options)', ''];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const summary = await load().then((m) => m.command.summary, () => undefined);
    if (summary !== undefined) lines.push(`  ${name.padEnd(9)}${summary}`);
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
