/**
 * How numeric result parts are kept in job_result_parts.data. A 100,000-sample propagation
 * is ~28 MB as JSON numbers, which PGlite takes seconds to parse on the main thread; as raw
 * float64 in base64 it is ~9.6 MB of text, cut into parts of a few thousand rows.
 */

export function encodeValues(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeValues(data: string, length: number): Float64Array {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength !== length * 8) throw new Error(`stored result part holds ${bytes.byteLength} bytes, expected ${length * 8}`);
  // Copied: a Buffer's offset in its pool need not be 8-byte aligned.
  const values = new Float64Array(length);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}
