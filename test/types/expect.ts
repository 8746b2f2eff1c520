// Compile-time assertions for the type tests (test/types/*.types.ts): checked by
// `npm run typecheck`, never run. `expectType<T>()(value)` fails to compile unless the
// value's type is exactly T.
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** `expectType<Int32Array>()(b.columns.userId)`: compiles only when the types are equal. */
export function expectType<T>(): <V>(value: V & (Equal<T, V> extends true ? unknown : { __expected: T; __got: V })) => void {
  return () => undefined;
}
