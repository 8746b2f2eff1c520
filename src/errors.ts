// Typed errors: every message names where it happened (stage, element, file, line).

/** Base class of every error sluice throws on purpose. */
export class SluiceError extends Error {
  override name = 'SluiceError';
}

/** A pipeline was built with an invalid option; thrown when the pipeline is built, not mid-epoch. */
export class OptionError extends SluiceError {
  override name = 'OptionError';
}

/** A user callback or a source failed while an epoch ran. `index` is the element's position in the epoch. */
export class StageError extends SluiceError {
  override name = 'StageError';
  constructor(
    readonly stage: string,
    readonly index: number | undefined,
    cause: unknown,
  ) {
    const what = index === undefined ? '' : ` at element ${index}`;
    super(`${stage}: ${errorMessage(cause)}${what}`, { cause });
  }
}

/**
 * An epoch ended because its AbortSignal aborted; `cause` is the signal's reason. Its name is
 * 'AbortError', as for the DOM's and Node's own aborts.
 */
export class AbortError extends SluiceError {
  override name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(reason?: unknown) {
    super('the operation was aborted', { cause: reason });
  }
}

/** Throws an AbortError (cause: the reason) if `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(signal.reason);
}

/** A file that is not readable in its format (Arrow, Parquet, …), or a column that cannot become numbers. */
export class FormatError extends SluiceError {
  override name = 'FormatError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Details of one bad input row. */
export interface BadRowInfo {
  /** File path or URL. */
  readonly file: string;
  /** 1-based line number where the row starts. */
  readonly line: number;
  /** Column name, when the problem is one field. */
  readonly column?: string | undefined;
  /** The raw row text, cut to 200 characters. */
  readonly raw: string;
  /** What is wrong with it. */
  readonly reason: string;
}

/** Bad input data: names file, line, column and the raw text. */
export class DataError extends SluiceError implements BadRowInfo {
  override name = 'DataError';
  readonly file: string;
  readonly line: number;
  readonly column: string | undefined;
  readonly raw: string;
  readonly reason: string;
  constructor(info: BadRowInfo) {
    const col = info.column === undefined ? '' : `, column '${info.column}'`;
    super(`${info.file}:${info.line}${col}: ${info.reason} (row: ${JSON.stringify(info.raw)})`);
    this.file = info.file;
    this.line = info.line;
    this.column = info.column;
    this.raw = info.raw.length > 200 ? info.raw.slice(0, 200) : info.raw;
    this.reason = info.reason;
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e === null || typeof e !== 'object') return String(e);
  // A thrown non-Error object (or one that lost its class crossing threads): its fields, not '[object Object]'.
  const message = (e as { message?: unknown }).message;
  if (typeof message === 'string' && message !== '') return message;
  let json: string | undefined;
  try {
    json = JSON.stringify(e);
  } catch {
    json = undefined;
  }
  return json === undefined || json === '{}' ? `a thrown ${Array.isArray(e) ? 'array' : 'object'} without a message` : `a thrown object ${json.length > 200 ? `${json.slice(0, 200)}…` : json}`;
}

// Option checks shared by stages: they name the option, the value and what was expected.
export function checkInt(where: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new OptionError(`${where}: ${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

export function checkFunction(where: string, name: string, value: unknown): void {
  if (typeof value !== 'function') throw new OptionError(`${where}: ${name} must be a function, got ${describe(value)}`);
}

/** Whether a user callback returned a promise (or any thenable) where a value was expected. */
export function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
