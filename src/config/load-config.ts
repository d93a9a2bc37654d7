import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { formatProblem, positionOf, problemsOf, type ConfigProblem } from './config-problems';
import { configSchema, type Config } from './schema';

export { formatKeyPath } from './config-problems';

/** Config problems, all of them, one per line as `file:line:column key.path: problem`. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

/** Validates an already-parsed YAML document (positions come with `loadConfig`'s source). */
export function parseConfig(document: unknown, file: string, source?: Parameters<typeof problemsOf>[2]): Config {
  const result = configSchema.safeParse(document ?? {});
  if (!result.success) throw new ConfigError(file, problemsOf(result.error, document, source));
  return result.data;
}

/** Reads and validates the YAML config file; every failure is a ConfigError naming the file. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const message =
      code === 'ENOENT'
        ? 'no such file: copy stemedb-chatops.example.yml to it and edit the nodes, or point --config / STEMEDB_CHATOPS_CONFIG at your config'
        : `cannot read the file (${code})`;
    throw new ConfigError(file, [{ path: '', message }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${e.message.split('\n')[0]}`, ...positionOf(lines, e.pos[0]) })),
    );
  }
  return parseConfig(doc.toJS(), file, { doc, lines });
}
