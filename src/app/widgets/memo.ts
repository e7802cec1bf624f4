/**
 * Remembers the last result of `compute` and returns it again while the arguments are the same (compared
 * with Object.is). Lit compares property values by identity, so a chart given a memoized value redraws
 * only when its inputs really changed.
 */
export function memo<A extends unknown[], R>(compute: (...args: A) => R): (...args: A) => R {
  let lastArgs: A | null = null;
  let lastResult!: R;
  return (...args: A): R => {
    if (lastArgs === null || args.length !== lastArgs.length || args.some((a, i) => !Object.is(a, lastArgs![i]))) {
      lastResult = compute(...args);
      lastArgs = args;
    }
    return lastResult;
  };
}
