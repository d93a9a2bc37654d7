import type { z } from 'zod';

/**
 * Column values as the `pg` driver returns them, turned into what the SQLite repositories return: TIMESTAMPTZ
 * arrives as a Date and leaves as the same ISO-8601 UTC string SQLite stores; BIGINT arrives as a string.
 */
export function isoOf(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : isoOf(value);
}

export function numberOf(value: string | number): number {
  return typeof value === 'number' ? value : Number(value);
}

export function numberOrNull(value: string | number | null): number | null {
  return value === null ? null : numberOf(value);
}

/** A JSONB value `pg` already parsed, checked against `schema`: undefined when it does not fit. */
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

/** SQLSTATE 23505 (unique_violation), optionally on one named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/**
 * Key of `pg_advisory_xact_lock(class, hashtext(name))`: the two-int form, a key space apart from the
 * migration lock's single bigint. One class per kind of thing locked.
 */
export const ADVISORY_CLASS = {
  incidentOpen: 0x494e4344, // "INCD"
  compactionNode: 0x434d5054, // "CMPT"
} as const;
