import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema';

/** A config problem, with the file and the key path, so the operator can go straight to it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(`${file}: ${problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ')}`);
  }
}

/** `stemedb.nodes[0].ssh.port` from zod's path array. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** Validates an already-parsed YAML document. */
export function parseConfig(document: unknown, file: string): Config {
  const result = configSchema.safeParse(document ?? {});
  if (!result.success) throw new ConfigError(file, issuesOf(result.error));
  return result.data;
}

function issuesOf(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: formatKeyPath(issue.path), message: issue.message }));
}

/** Reads and validates the YAML config file; every failure is a ConfigError naming the file. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new ConfigError(file, [{ path: '', message: `not valid YAML${where}: ${(err as Error).message.split('\n')[0]}` }]);
  }
  return parseConfig(document, file);
}
