import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../commands';

/** Slack's required bot scopes per Web API method (api.slack.com/methods); methods that need none map to []. */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write', 'chat:write.public'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.open': ['im:write'],
  'conversations.history': ['im:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'usergroups.users.list': ['usergroups:read'],
  'users.info': ['users:read'],
  'views.publish': [],
  'views.open': [],
  'files.uploadV2': ['files:write'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every Web API method the code calls: queue jobs, the client's own calls. The SlackMethod type list is not a call. */
function methodsCalled(): Set<string> {
  const found = new Set<string>();
  for (const file of [...sourceFiles('src'), ...sourceFiles('commands')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /method: '([a-z]+\.[a-zA-Z.]+)'|SlackMethod = '([a-z]+\.[a-zA-Z.]+)'|\bclient\.([a-z]+\.[a-zA-Z]+)\(|apiCall\('([a-z]+\.[a-zA-Z.]+)'/g,
    )) {
      found.add((m[1] ?? m[2] ?? m[3] ?? m[4])!);
    }
  }
  return found;
}

const manifest = parse(readFileSync('manifest.yml', 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
  features: { slash_commands: { usage_hint: string }[]; app_home?: { home_tab_enabled?: boolean } };
  settings: { event_subscriptions?: { bot_events?: string[] } };
};

describe('the Slack app manifest', () => {
  it('asks for exactly the scopes the code calls need', () => {
    const methods = methodsCalled();
    expect(methods).toContain('chat.postMessage');
    expect(methods).toContain('views.publish');
    const unknown = [...methods].filter((m) => !(m in METHOD_SCOPES));
    expect(unknown, 'add these methods and their scopes to METHOD_SCOPES').toEqual([]);
    const needed = new Set(['commands', ...[...methods].flatMap((m) => METHOD_SCOPES[m]!)]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it('lists each scope in the README with the call that needs it', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Installing the Slack app'), readme.indexOf("## The bot's own operations"));
    for (const scope of manifest.oauth_config.scopes.bot) {
      const row = section.split('\n').find((l) => l.trim().startsWith(`| \`${scope}\` |`));
      expect(row, scope).toBeDefined();
      const calls = Object.entries(METHOD_SCOPES)
        .filter(([, s]) => s.includes(scope))
        .map(([m]) => m)
        .filter((m) => methodsCalled().has(m));
      if (scope !== 'commands')
        expect(
          calls.some((m) => row!.includes(`\`${m}\``)),
          `${scope}: ${row}`,
        ).toBe(true);
    }
  });

  it('names every subcommand in the usage hint, and subscribes to app_home_opened for the Home tab', () => {
    const hint = manifest.features.slash_commands[0]!.usage_hint;
    const named = hint.split('|').map((part) => part.trim().split(/\s+/)[0]);
    expect(new Set(named)).toEqual(new Set(COMMANDS.map((c) => c.name)));
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions?.bot_events).toContain('app_home_opened');
  });
});
