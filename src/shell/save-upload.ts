import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UploadFile, UploadOptions } from '../surfaces/chat-port';

/**
 * What the shell does with a file Slack would get (a chart, a postmortem draft): written to the `--charts DIR`
 * folder with its path printed, or a line saying how to get it. The comment Slack would show comes first.
 */
export function saveUpload(
  chartsDir: string | undefined,
  channel: string,
  file: UploadFile,
  upload: UploadOptions | undefined,
  print: (text: string) => void,
): void {
  if (upload?.comment) print(upload.comment);
  const where = `[${channel}${upload?.threadTs ? ' thread' : ''}]`;
  const kind = file.filename.endsWith('.png') ? 'chart' : 'file';
  if (!chartsDir) {
    print(
      kind === 'chart'
        ? `(chart "${file.title}" not written: start the shell with --charts DIR to get the PNG)`
        : `${where} file ${file.filename} (${file.title}, ${file.bytes.length} bytes; --charts DIR writes it)`,
    );
    return;
  }
  mkdirSync(chartsDir, { recursive: true });
  const path = join(chartsDir, file.filename);
  writeFileSync(path, file.bytes);
  print(`${where} ${kind}: ${path}`);
}
