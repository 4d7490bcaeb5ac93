/**
 * Records damaged in the middle of a segment (a bad sector, a stray write) are not
 * silently cut off with everything after them: their sequence numbers become holes that
 * readers skip, their bytes are copied beside the segment for an operator to look at,
 * and the owner of the log is told, so that it can log and count it.
 */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { readExactly } from './frame.ts';

export interface StorageDamage {
  /** The segment file. */
  file: string;
  /** Byte offset of the damaged range in the file. */
  offset: number;
  bytes: number;
  /** First sequence number lost, and how many. */
  firstSeq: number;
  records: number;
  /** Where the damaged bytes were copied. */
  quarantine: string;
}

export type DamageListener = (damage: StorageDamage) => void;

export function quarantineFile(file: string, offset: number): string {
  return `${file}.${offset}.quarantine`;
}

export function describeDamage(d: StorageDamage): string {
  const seqs = d.records === 1 ? `record ${d.firstSeq}` : `records ${d.firstSeq}..${d.firstSeq + d.records - 1}`;
  return `${seqs} of ${d.file} at byte offset ${d.offset} (${d.bytes} bytes) damaged; quarantined in ${d.quarantine} and skipped`;
}

/** Copies the damaged bytes beside the segment and tells the listener; a failure to copy is reported, not thrown. */
export async function quarantine(fh: FileHandle, file: string, range: { start: number; end: number }, firstSeq: number, records: number, listener: DamageListener | undefined): Promise<StorageDamage> {
  const damage: StorageDamage = { file, offset: range.start, bytes: range.end - range.start, firstSeq, records, quarantine: quarantineFile(file, range.start) };
  try {
    await fs.writeFile(damage.quarantine, await readExactly(fh, range.start, damage.bytes), { flag: 'w' });
  } catch (error) {
    damage.quarantine = `(not copied: ${(error as Error).message})`;
  }
  listener?.(damage);
  return damage;
}
