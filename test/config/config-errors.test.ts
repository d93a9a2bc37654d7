import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'config-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkConfig(file: string, command = 'check-config', extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[key];
  return spawnSync(process.execPath, ['bin/stemedb-chatops.mjs', command, '--config', file], { env, encoding: 'utf8', input: '', timeout: 30_000 });
}

/** Every mistake at once, each on its own line at its line and column, with a fix where one is known. */
const BAD = `slack:
  alertChannel: C0ALERTS
stemedb:
  nodes:
    - name: stemedb-1
      apiUrl: file:///etc/passwd
      unti: stemedb-api
      ssh: { host: h, port: 99999, username: u, privateKeyPath: /k, hostKeySha256: "SHA256:ht+qb8ckV14AvQbgJldN09NwZ23vdwTiRnXHtaFRcEY" }
    - apiUrl: http://10.0.0.12:18180
escalation:
  levels:
    - name: Primary
      ackTimeout: 5 minutes
prometheus:
  url: ftp://prometheus:9090
diagnosiss: {}
`;

describe('configuration errors', () => {
  it.each(['check-config', 'shell'])('%s lists every problem as file:line:column key.path: problem and exits 2', (command) => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, BAD);
    const run = checkConfig(file, command);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `${file}:6:15 stemedb.nodes[0].apiUrl: "file:///etc/passwd" is not an accepted URL: use http:// or https:// with a host, e.g. http://10.0.0.11:18180`,
      `${file}:7:7 stemedb.nodes[0].unti: unknown key (did you mean "unit"?)`,
      `${file}:8:29 stemedb.nodes[0].ssh.port: Too big: expected number to be <=65535`,
      `${file}:9:7 stemedb.nodes[1].name: required string is missing`,
      `${file}:13:19 escalation.levels[0].ackTimeout: "5 minutes" is not a duration (use e.g. 30s, 5m, 1h)`,
      `${file}:15:8 prometheus.url: "ftp://prometheus:9090" is not an accepted URL: use http:// or https:// with a host, e.g. http://10.0.0.11:18180`,
      `${file}:16:1 diagnosiss: unknown key (did you mean "diagnosis"?)`,
      `7 problem(s) in ${file}.`,
    ]);
  });

  it('says to copy the example config when the file does not exist', () => {
    const file = join(dir, 'missing.yml');
    const run = checkConfig(file);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `${file}: no such file: copy stemedb-chatops.example.yml to it and edit the nodes, or point --config / STEMEDB_CHATOPS_CONFIG at your config`,
    );
  });

  it('places a YAML syntax error at its line and column', () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'stemedb:\n  nodes:\n    - name: a\n   bad: [\n');
    const run = checkConfig(file);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:4:\\d+ not valid YAML: `, 'm'));
  });

  it('with store.postgres, refuses a missing or non-PostgreSQL URL variable, naming it and never showing its value', () => {
    const file = join(dir, 'pg.yml');
    writeFileSync(
      file,
      'stemedb:\n  nodes:\n    - name: stemedb-1\n      apiUrl: http://127.0.0.1:9\n      local: true\nstore:\n  postgres:\n    urlEnv: CHATOPS_TEST_DB_URL\n',
    );
    const missing = checkConfig(file, 'check-config', { CHATOPS_TEST_DB_URL: '' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('store.postgres.urlEnv names CHATOPS_TEST_DB_URL, which is not set');
    const wrong = checkConfig(file, 'check-config', { CHATOPS_TEST_DB_URL: 'mysql://bot:s3cret@db/x' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('CHATOPS_TEST_DB_URL is not a PostgreSQL URL');
    expect(wrong.stderr).not.toContain('s3cret');
    const ok = checkConfig(file, 'check-config', { CHATOPS_TEST_DB_URL: 'postgres://bot:s3cret@db.internal:5432/chatops' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('valid (1 node(s): stemedb-1)');
  });
});
