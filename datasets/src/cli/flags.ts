/** A numeric flag's value, or a clear error naming the flag. */
export const int = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${flag}: expected a number, got ${JSON.stringify(v)}`);
  return n;
};
