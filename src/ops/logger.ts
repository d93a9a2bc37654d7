import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths pino censors wherever they appear in a log object: tokens, secrets and auth headers. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  'appToken',
  'signingSecret',
  '*.signingSecret',
  'routingKey',
  '*.routingKey',
  '*.routing_key',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-slack-signature"]',
  'env.SLACK_BOT_TOKEN',
  'env.SLACK_SIGNING_SECRET',
  'env.SLACK_APP_TOKEN',
  'env.ALERTMANAGER_TOKEN',
  'privateKey',
  '*.privateKey',
];

/** JSON logs on stdout (or the given stream), secrets redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'stemedb-chatops' } }, destination);
}
