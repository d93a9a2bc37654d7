import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/**
 * storage.log with a size cap: past `maxBytes` it keeps only the newest `keepBytes` (cut at a line start),
 * the way logrotate's copytruncate would leave it, so a long-running simulator never fills the disk.
 */
export class BoundedLogFile {
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes = 4 * 1024 * 1024,
    private readonly keepBytes = 2 * 1024 * 1024,
  ) {
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
  }

  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const text = `${lines.join('\n')}\n`;
    appendFileSync(this.path, text);
    this.size += Buffer.byteLength(text);
    if (this.size > this.maxBytes) this.trim();
  }

  private trim(): void {
    const buf = readFileSync(this.path);
    const tail = buf.subarray(Math.max(0, buf.length - this.keepBytes));
    const start = tail.indexOf(0x0a) + 1;
    const kept = tail.subarray(start);
    writeFileSync(this.path, kept);
    this.size = kept.length;
  }
}
