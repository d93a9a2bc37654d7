/**
 * Collects a command's stdout and stderr up to a byte cap each. Chunks are kept as bytes and decoded once at
 * the end, so a multi-byte character split across chunks is not mangled.
 */
export interface OutputCollector {
  /** Adds a chunk; returns false once this stream has passed the cap (the caller should stop reading). */
  push(stream: 'stdout' | 'stderr', chunk: Buffer): boolean;
  readonly truncated: boolean;
  result(): { stdout: string; stderr: string; truncated: boolean };
}

/** @example const out = createOutputCollector(64_000); child.stdout.on('data', (c) => out.push('stdout', c)); */
export function createOutputCollector(maxBytes: number): OutputCollector {
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const sizes = { stdout: 0, stderr: 0 };
  let truncated = false;

  return {
    push(stream, chunk) {
      const room = maxBytes - sizes[stream];
      if (chunk.length > room) {
        truncated = true;
        if (room > 0) chunks[stream].push(chunk.subarray(0, room));
        sizes[stream] = maxBytes;
        return false;
      }
      chunks[stream].push(chunk);
      sizes[stream] += chunk.length;
      return true;
    },
    get truncated() {
      return truncated;
    },
    result() {
      return {
        stdout: Buffer.concat(chunks.stdout).toString('utf8'),
        stderr: Buffer.concat(chunks.stderr).toString('utf8'),
        truncated,
      };
    },
  };
}
