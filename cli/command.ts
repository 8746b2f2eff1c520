import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OptionError } from '../src/errors.js';
import { nearestName } from '../src/options.js';

/** A sub-command of `sluice`. */
export interface Command {
  /** One line for `sluice --help`. */
  readonly summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` with node's parseArgs; `--help` prints `help` and returns undefined.
 * A bad option is a one-line OptionError: an unknown one names the nearest known option
 * (`unknown option --epoch (did you mean --epochs?)`), and points at --help.
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  help: string,
): { values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } | undefined {
  const parsed = (() => {
    try {
      const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
      return parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
    } catch (e) {
      throw new OptionError(argsMessage(e, Object.keys(options)));
    }
  })();
  if (parsed.values['help'] === true) {
    process.stdout.write(help.endsWith('\n') ? help : help + '\n');
    return undefined;
  }
  return parsed as { values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] };
}

/**
 * `e` marked with the exit code `sluice` returns for it (a command with exit codes of its
 * own, e.g. train's: see its --help); errors left unmarked exit with 1.
 * @example
 * throw withExitCode(new OptionError('--x must be …'), 2);
 */
export function withExitCode(e: unknown, code: number): unknown {
  if (e !== null && typeof e === 'object') Object.defineProperty(e, 'exitCode', { value: code, configurable: true, enumerable: false });
  return e;
}

/** The exit code for an error a command threw: the one `withExitCode` gave it, else 1. */
export function errorExitCode(e: unknown): number {
  const code = (e as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1;
}

/** A numeric option: names the option and the value when it is not a number in range. */
export function numberOption(name: string, value: string | undefined, fallback: number, min = -Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new OptionError(`--${name} must be a number >= ${min}, got '${value}'`);
  return n;
}

/** parseArgs's error as one line: the option, the nearest known name, and where to look. */
function argsMessage(e: unknown, known: string[]): string {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /^Unknown option '(-{1,2})([^'=]+)/.exec(message);
  if (unknown !== null) {
    const near = nearestName(unknown[2]!, known);
    return `unknown option ${unknown[1]}${unknown[2]}${near === undefined ? '' : ` (did you mean --${near}?)`}; --help lists the options`;
  }
  return `${message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')}; --help lists the options`;
}
