import { isMap, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from '../dispatch/did-you-mean';
import { configSchema } from './schema';

/** One thing wrong with a config, where it is (1-based) when the config came from a file. */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** `stemedb.nodes[0].ssh.port` from zod's path array. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** `file:line:column key.path: problem`, the form editors and terminals turn into a link. */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : `${file}:`;
  return `${where} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

type Source = { doc: Document; lines: LineCounter };

/**
 * Zod's issues as problems an operator can act on: one per unknown key with a did-you-mean, URLs with the
 * accepted schemes, a missing key said as such, and each placed at its line and column in the file.
 */
export function problemsOf(error: z.ZodError, document: unknown, source?: Source): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(configSchema, path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        const message = `unknown key${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (expected one of: ${known.join(', ')})` : ''}`;
        out.push({ path: formatKeyPath([...path, key]), message, ...locate(source, [...path, key], 'key') });
      }
      continue;
    }
    const value = valueAt(document, path);
    let message = issue.message;
    if (issue.code === 'invalid_type' && value === undefined) message = `required ${issue.expected} is missing`;
    else if (issue.code === 'invalid_format' && issue.format === 'url') {
      message = `${JSON.stringify(value)} is not an accepted URL: use http:// or https:// with a host, e.g. http://10.0.0.11:18180`;
    }
    out.push({ path: formatKeyPath(path), message, ...locate(source, path, 'value') });
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function valueAt(document: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = document;
  for (const part of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[part] : undefined;
  return v;
}

/** Line and column of the key (or its value); a key that is missing points at the nearest enclosing one. */
function locate(source: Source | undefined, path: readonly (string | number)[], prefer: 'key' | 'value'): { line?: number; column?: number } {
  if (!source) return {};
  for (let n = path.length; n > 0; n--) {
    const parent = source.doc.getIn(path.slice(0, n - 1), true) as Node | undefined;
    const last = path[n - 1];
    let node: Node | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
      node = (prefer === 'value' && n === path.length ? (pair?.value as Node | undefined) : undefined) ?? (pair?.key as Node | undefined);
    } else if (isSeq(parent) && typeof last === 'number') node = parent.items[last] as Node | undefined;
    if (node?.range) return positionOf(source.lines, node.range[0]);
  }
  const root = source.doc.contents as Node | null;
  return root?.range ? positionOf(source.lines, root.range[0]) : { line: 1, column: 1 };
}

export function positionOf(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> };
const defOf = (s: z.ZodType | undefined): Def | undefined => (s as unknown as { _zod?: { def: Def } } | undefined)?._zod?.def;

/** The keys the schema accepts at a path (for the did-you-mean of an unknown key). */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined => {
    for (let d = defOf(s); d; d = defOf(s)) {
      if (d.type === 'pipe') s = d.in;
      else if (d.innerType) s = d.innerType;
      else break;
    }
    return s;
  };
  const keysOf = (s: z.ZodType | undefined): string[] => {
    const d = defOf(unwrap(s));
    if (d?.type === 'object') return Object.keys(d.shape ?? {});
    if (d?.type === 'union') return [...new Set((d.options ?? []).flatMap(keysOf))];
    return [];
  };
  let s: z.ZodType | undefined = schema;
  for (const part of path) {
    const d = defOf(unwrap(s));
    if (d?.type === 'array' && typeof part === 'number') s = d.element;
    else if (d?.type === 'object' && typeof part === 'string') s = d.shape?.[part];
    else if (d?.type === 'union') s = (d.options ?? []).map((o) => defOf(unwrap(o))?.shape?.[String(part)]).find(Boolean);
    else return [];
  }
  return keysOf(s);
}
