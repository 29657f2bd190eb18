/** A single byte range resolved against an object's size. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * Reads a Range header (RFC 9110 §14.1.2) for an object of `size` bytes: one range, or
 * "unsatisfiable", or null to serve the whole object. Multiple ranges and malformed
 * headers are ignored (served whole), which the RFC permits; clients of encrypted media
 * ask for one span of chunks at a time.
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | null {
  if (header === null) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const first = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < first) return null; // invalid, not unsatisfiable (RFC 9110 §14.1.1)
  if (first >= size) return "unsatisfiable";
  return { offset: first, length: last - first + 1 };
}
