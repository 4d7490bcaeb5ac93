/** Line-oriented files (JSON lines): streaming reads and complete writes. */
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * Calls onLine for every line of a file, with the byte offset just past it. A last
 * line without its newline (a write cut short) is passed with `terminated` false.
 */
export async function forEachLine(file: string, onLine: (text: string, end: number, terminated: boolean) => void): Promise<void> {
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  let carry: Buffer | undefined;
  let offset = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) !== -1) {
      onLine(buf.toString('utf8', start, nl), offset + nl + 1, true);
      start = nl + 1;
    }
    offset += start;
    carry = start < buf.length ? buf.subarray(start) : undefined;
  }
  if (carry && carry.length > 0) onLine(carry.toString('utf8'), offset + carry.length, false);
}

/** FileHandle.write may write less than asked; this loops until all of buf is written. */
export async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}
