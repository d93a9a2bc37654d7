/** Layering rules, run in `npm test` (issue 12). Paths are relative to the repository root. */
// The pure core: takes data, returns data. It must not reach an adapter (chat, store, network, shell) or the composition root.
const core = [
  '^src/diagnosis/(verdict|recommendations|escalation-criteria|thresholds|types|not-checked)\\.ts$',
  '^src/diagnosis/parsers/',
  '^src/escalation/(escalation-machine|plan-effects|chain-snapshot|packet-text|escalation-summary)\\.ts$',
  '^src/render/',
  '^src/prometheus/(histogram-quantile|parse-exposition|parse-prometheus-float|parse-sample-line)\\.ts$',
  '^src/timeline/(timeline-text|postmortem-markdown|timeline-view)\\.ts$',
  '^src/charts/(chart-spec|chart-types|chart-marks|projection|sparkline)\\.ts$',
];
const adapters = [
  '^src/slack/',
  '^src/store/',
  '^src/exec/(ssh-|host-|local-|executor-for-node)',
  '^src/app/',
  '^commands/',
  '^sim/',
  'node_modules/(better-sqlite3|node-ssh|ssh2|pg|@slack/|undici|pino)',
  '^(node:)?(http|https|net|child_process|fs|fs/promises)$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: break it with a leaf module for the shared types or a registry the composition root fills.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-not-to-adapters',
      severity: 'error',
      comment: 'The pure core takes data and returns data; adapters (Slack, SQLite, HTTP, SSH, files) and src/app stay at the edge.',
      from: { path: core },
      to: { path: adapters },
    },
    {
      name: 'src-not-to-tests-or-sim',
      severity: 'error',
      comment: 'Production code does not import tests or benches; only the composition root (src/app) starts the simulator for the demo.',
      from: { path: '^(src|commands)/', pathNot: '^src/app/' },
      to: { path: '^(test|bench|sim)/' },
    },
    {
      name: 'app-not-to-tests',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'store-not-to-features',
      severity: 'error',
      comment: 'The store is a leaf adapter: features register their migrations and repositories with it through src/app, never the other way.',
      from: { path: '^src/store/' },
      to: { path: '^(src|commands)/', pathNot: '^src/(store|ops|config)/' },
    },
    {
      name: 'slack-adapter-not-to-features',
      severity: 'error',
      comment: 'Features hand their buttons to the composition root; the Slack adapter does not list them.',
      from: { path: '^src/slack/(create-slack-app|interaction-module|slack-queue|slack-chat|slack-reply|file-upload|background-work)\\.ts$' },
      to: { path: '^src/(alerts|compaction|escalation|timeline|home|charts|reports)/' },
    },
    {
      name: 'bolt-only-in-slack',
      severity: 'error',
      comment:
        'Bolt and the Web API client stay under src/slack (and the composition root): features post through the chat port (src/surfaces/chat-port.ts) and build blocks with the local Block Kit types (src/surfaces/view.ts).',
      from: { path: '^(src|commands)/', pathNot: ['^src/slack/', '^src/app/', '^src/pagers/'] },
      to: { path: 'node_modules/@slack/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
