import type { UploadFile, UploadOptions } from '../surfaces/chat-port';
import type { SlackQueue } from './slack-queue';

/**
 * `files.uploadV2`'s three steps, with both API calls through the paced queue: `files.getUploadURLExternal`,
 * the bytes POSTed to the URL Slack returned, then `files.completeUploadExternal` into the channel or thread.
 * The upload URL must be Slack's (https on slack.com) or the configured API's own host (tests): a URL from
 * anywhere else is refused rather than sent our bytes.
 */
export async function uploadFile(queue: SlackQueue, channel: string, file: UploadFile, options: UploadOptions = {}): Promise<{ fileId: string }> {
  const priority = options.priority ?? 'detail';
  const got = await queue.send({ method: 'files.getUploadURLExternal', args: { filename: file.filename, length: file.bytes.length }, priority });
  const uploadUrl = String(got.upload_url ?? '');
  const fileId = String(got.file_id ?? '');
  if (!fileId || !trustedUploadUrl(uploadUrl, queue.apiUrl)) throw new Error(`Slack returned an unusable upload URL for ${file.filename}`);
  const res = await fetch(uploadUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(file.bytes),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`uploading ${file.filename} to Slack failed: HTTP ${res.status}`);
  await queue.send({
    method: 'files.completeUploadExternal',
    args: {
      files: [{ id: fileId, title: file.title }],
      channel_id: channel,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      ...(options.comment ? { initial_comment: options.comment } : {}),
    },
    priority,
    channel,
  });
  return { fileId };
}

export function trustedUploadUrl(uploadUrl: string, apiUrl: string): boolean {
  if (!URL.canParse(uploadUrl)) return false;
  const url = new URL(uploadUrl);
  if (url.protocol === 'https:' && (url.hostname === 'slack.com' || url.hostname.endsWith('.slack.com'))) return true;
  return URL.canParse(apiUrl) && new URL(apiUrl).origin === url.origin;
}
