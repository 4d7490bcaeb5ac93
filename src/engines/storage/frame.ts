/**
 * On-disk framing of one record: a fixed header, then the payload.
 *
 *   u32 LE payload length | u32 LE crc32(stamp + payload) | f64 LE stamp | payload
 *
 * The checksum covers the stamp so a torn or garbled header is caught as surely as a
 * torn payload.
 */
import { crc32 } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';

export const FRAME_HEADER_BYTES = 16;
/** Anything larger is treated as a garbled length field rather than allocated. */
export const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

export type PayloadPart = string | Uint8Array;

export function encodeFrame(parts: readonly PayloadPart[], stamp: number): Buffer {
  let length = 0;
  for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
  if (length > MAX_PAYLOAD_BYTES) throw new RangeError(`record of ${length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeDoubleLE(stamp, 8);
  let at = FRAME_HEADER_BYTES;
  for (const part of parts) {
    if (typeof part === 'string') {
      at += frame.write(part, at);
    } else {
      frame.set(part, at);
      at += part.byteLength;
    }
  }
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(8)), 4);
  return frame;
}

export interface Frame {
  /** Byte position of the frame header within its file. */
  position: number;
  stamp: number;
  payload: Buffer;
}

/** Size of the frame starting at `at`, or -1 when the header is incomplete or implausible. */
export function frameSizeAt(buf: Buffer, at: number): number {
  if (buf.length - at < FRAME_HEADER_BYTES) return -1;
  const length = buf.readUInt32LE(at);
  if (length > MAX_PAYLOAD_BYTES) return -1;
  return FRAME_HEADER_BYTES + length;
}

/** Decodes a frame known to be complete in `buf`; null when its checksum fails. */
export function decodeFrame(buf: Buffer, at: number, position: number): Frame | null {
  const length = buf.readUInt32LE(at);
  const end = at + FRAME_HEADER_BYTES + length;
  if (crc32(buf.subarray(at + 8, end)) !== buf.readUInt32LE(at + 4)) return null;
  return { position, stamp: buf.readDoubleLE(at + 8), payload: buf.subarray(at + FRAME_HEADER_BYTES, end) };
}

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Bytes that do not frame a record, followed by intact frames: damage, not a torn tail. */
export interface DamagedRange {
  start: number;
  /** Position of the next intact frame. */
  end: number;
}

/**
 * Reads frames sequentially from `start` to `size`, calling `onFrame` for each valid one.
 * Returns the position just after the last valid frame; anything beyond it is a torn tail.
 * Every chunk is a fresh buffer so payloads stay valid after the callback returns.
 *
 * Without `onDamage`, reading stops at the first frame that does not check out. With it,
 * the bytes after a bad frame are searched for the next intact one: if there is one, the
 * bad range is reported and reading goes on from there (a record damaged in the middle of
 * a file costs that record only); if there is none, the bad frame starts a torn tail.
 */
export async function scanFrames(
  fh: FileHandle,
  start: number,
  size: number,
  onFrame: (frame: Frame) => void,
  onDamage?: (range: DamagedRange) => void,
): Promise<number> {
  let position = start;
  for (;;) {
    position = await scanIntact(fh, position, size, onFrame);
    if (position >= size || !onDamage) return position;
    const next = await findNextFrame(fh, position, size);
    if (next < 0) return position;
    onDamage({ start: position, end: next });
    position = next;
  }
}

async function scanIntact(fh: FileHandle, start: number, size: number, onFrame: (frame: Frame) => void): Promise<number> {
  let position = start;
  while (position < size) {
    const want = Math.min(CHUNK_BYTES, size - position);
    let chunk = await readExactly(fh, position, want);
    let at = 0;
    for (;;) {
      let frameSize = frameSizeAt(chunk, at);
      if (frameSize < 0 && chunk.length - at >= FRAME_HEADER_BYTES) return position;
      if (frameSize < 0 || at + frameSize > chunk.length) {
        // The frame straddles the chunk end: continue from its header, reading at least all of it.
        if (frameSize < 0) frameSize = FRAME_HEADER_BYTES;
        if (position + frameSize > size) return position;
        if (at === 0) {
          chunk = await readExactly(fh, position, Math.max(frameSize, Math.min(CHUNK_BYTES, size - position)));
          if (chunk.length < frameSize) return position;
          continue;
        }
        break;
      }
      const frame = decodeFrame(chunk, at, position);
      if (!frame) return position;
      onFrame(frame);
      at += frameSize;
      position += frameSize;
      if (position >= size) return position;
    }
  }
  return position;
}

/**
 * Position of the first intact frame after the bad one at `bad`, or -1. Damage is rare, so
 * the rest of the file is read at once; a false match needs a plausible length and a
 * matching CRC-32 at once, about one chance in 2^38 per byte searched.
 */
export async function findNextFrame(fh: FileHandle, bad: number, size: number): Promise<number> {
  const rest = await readExactly(fh, bad, size - bad);
  for (let at = 1; at + FRAME_HEADER_BYTES <= rest.length; at += 1) {
    const frameSize = frameSizeAt(rest, at);
    if (frameSize > 0 && at + frameSize <= rest.length && decodeFrame(rest, at, bad + at)) return bad + at;
  }
  return -1;
}

export async function readExactly(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) return buf.subarray(0, done);
    done += bytesRead;
  }
  return buf;
}
