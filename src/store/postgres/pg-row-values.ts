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

// The zod checks of JSON columns are driver-neutral (store/row-values.ts); re-exported for the pg adapters.
export { DamagedRowError, parsedOrThrow, parsedOrUndefined } from '../row-values';

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
