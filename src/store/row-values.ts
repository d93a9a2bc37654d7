import { z } from 'zod';

/**
 * Column values turned into what a repository returns, whichever driver read them. A JSON column arrives as
 * text from SQLite and already parsed from PostgreSQL (JSONB); either way it is checked against its schema
 * here, once, by the repository's shared row mapping (e.g. incidents/incident-row.ts).
 */

/** SQLite's JSON text parsed; text that is not JSON reads as undefined, so the schema check fails it. */
export function parsedJsonText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object column of free-form details (audit entries, timeline events). */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/** A parsed JSON value checked against `schema`: undefined when it does not fit. */
export function parsedOrUndefined<T>(value: unknown, schema: z.ZodType<T>): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Thrown for a row whose JSON no longer fits: the caller sees an error, never a half-object. */
export class DamagedRowError extends Error {
  constructor(table: string, key: string | number, column: string) {
    super(`${table} row ${key}: ${column} is damaged (does not match its schema)`);
    this.name = 'DamagedRowError';
  }
}

/** Like `parsedOrUndefined`, but a damaged value throws a DamagedRowError naming the row. */
export function parsedOrThrow<T>(value: unknown, schema: z.ZodType<T>, table: string, key: string | number, column: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DamagedRowError(table, key, column);
  return parsed.data;
}
