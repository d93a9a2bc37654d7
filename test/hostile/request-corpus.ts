/**
 * Hostile HTTP requests for the Slack events endpoint: bodies Bolt cannot read, signatures that must not pass,
 * response_urls that are not Slack's. Builders only: the tests send them to the real receiver.
 */
import { FORM_CONTENT_TYPE, blockActionsPayload, buttonAction, slashCommandBody } from '../harness/slack-requests';

export interface BodyCase {
  name: string;
  body: string;
  contentType: string;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const payload = (value: unknown) => form({ payload: JSON.stringify(value) });
const click = blockActionsPayload({ actions: [buttonAction({ action_id: 'diagnosis_rerun', value: '{"node":"stemedb-1"}' })] });

/** Correctly signed bodies that are not Slack payloads: each must get 400 and leave the process running. */
export const MALFORMED_BODIES: BodyCase[] = [
  { name: 'payload=null (killed the process)', body: form({ payload: 'null' }), contentType: FORM_CONTENT_TYPE },
  { name: 'JSON null (killed the process)', body: 'null', contentType: 'application/json' },
  { name: 'JSON array', body: '[]', contentType: 'application/json' },
  { name: 'JSON string', body: '"ssl_check"', contentType: 'application/json' },
  { name: 'JSON number', body: '42', contentType: 'application/json' },
  { name: 'JSON object without type', body: '{}', contentType: 'application/json' },
  { name: 'event_callback without event', body: '{"type":"event_callback"}', contentType: 'application/json' },
  { name: 'not JSON at all', body: '{"type":', contentType: 'application/json' },
  { name: 'text/plain body', body: 'hello', contentType: 'text/plain' },
  { name: 'payload=[]', body: form({ payload: '[]' }), contentType: FORM_CONTENT_TYPE },
  { name: 'payload=1', body: form({ payload: '1' }), contentType: FORM_CONTENT_TYPE },
  { name: 'payload is not JSON', body: form({ payload: '{oops' }), contentType: FORM_CONTENT_TYPE },
  { name: 'payload {} (no type)', body: payload({}), contentType: FORM_CONTENT_TYPE },
  { name: 'block_actions with user null', body: payload({ ...click, user: null }), contentType: FORM_CONTENT_TYPE },
  { name: 'block_actions with actions null', body: payload({ ...click, actions: null }), contentType: FORM_CONTENT_TYPE },
  { name: 'block_actions with no actions', body: payload({ ...click, actions: [] }), contentType: FORM_CONTENT_TYPE },
  { name: 'block_actions with action null', body: payload({ ...click, actions: [null] }), contentType: FORM_CONTENT_TYPE },
  { name: 'view_submission without view', body: payload({ type: 'view_submission', user: { id: 'U_ALICE' } }), contentType: FORM_CONTENT_TYPE },
  { name: 'unknown interaction type', body: payload({ type: 'not_a_type', user: { id: 'U_ALICE' } }), contentType: FORM_CONTENT_TYPE },
  { name: 'two payload fields', body: `${form({ payload: '{}' })}&${form({ payload: '{}' })}`, contentType: FORM_CONTENT_TYPE },
  { name: 'slash command without user_id', body: form({ ...stringFields(slashCommandBody()), user_id: '' }), contentType: FORM_CONTENT_TYPE },
  { name: 'form without command or payload', body: form({ hello: 'world' }), contentType: FORM_CONTENT_TYPE },
  { name: 'empty form', body: '', contentType: FORM_CONTENT_TYPE },
];

/** Timestamps relative to now (seconds) and signature tweaks: each must get 401. */
export const BAD_SIGNATURES: { name: string; offsetSec?: number; forge?: boolean; omit?: boolean; stamp?: string }[] = [
  { name: 'forged signature', forge: true },
  { name: 'missing signature', omit: true },
  { name: 'replayed, one hour old', offsetSec: -3600 },
  { name: 'stamped one hour in the future', offsetSec: 3600 },
  { name: 'stamped 6 minutes in the future', offsetSec: 360 },
  { name: 'replayed, 6 minutes old', offsetSec: -360 },
  { name: 'stamped a year in the future', offsetSec: 365 * 86_400 },
  { name: 'timestamp not a number', stamp: 'soon' },
  { name: 'timestamp negative', stamp: '-1' },
];

/** response_urls a signed payload might name: the bot must never POST to them. `{capture}` is replaced by a live server's URL. */
export const FOREIGN_RESPONSE_URLS = [
  '{capture}/v1/admin/storage/compact',
  'https://hooks.slack.com.evil.example/commands/T1/1/x',
  'https://hooks.slack.com@evil.example/commands/T1/1/x',
  'http://hooks.slack.com/commands/T1/1/x',
  'file:///etc/passwd',
  'not a url',
];

export function stringFields(record: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
}
