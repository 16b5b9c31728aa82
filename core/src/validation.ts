import type { z } from 'zod';
import { ValidationError } from './errors.js';

/** Renders a zod issue path the way users write it: `cameras[1].fps`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Parses `value` with `schema`, throwing a ValidationError that names each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  throw new ValidationError(source, issues, { cause: result.error });
}
