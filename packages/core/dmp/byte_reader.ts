/**
 * Bounds-checked big-endian cursor for parsing DMP record bodies (brief §4.2, §4.9, §5.2: all
 * integers are big-endian). Every read returns `null` on truncation instead of throwing, so
 * parsers stay total.
 *
 * @module
 */

/** Cursor over a byte array; reads advance `offset` only when they succeed. */
export class ByteReader {
  /** Current read position. */
  offset = 0;

  /** Wrap `bytes` (not copied). */
  constructor(readonly bytes: Uint8Array) {}

  /** Bytes left to read. */
  remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Read one unsigned byte. */
  u8(): number | null {
    if (this.remaining() < 1) return null;
    return this.bytes[this.offset++];
  }

  /** Read a big-endian uint16. */
  u16(): number | null {
    if (this.remaining() < 2) return null;
    const v = (this.bytes[this.offset] << 8) | this.bytes[this.offset + 1];
    this.offset += 2;
    return v;
  }

  /** Read a big-endian uint64 as a bigint (values may exceed 2^53). */
  u64(): bigint | null {
    if (this.remaining() < 8) return null;
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(this.bytes[this.offset + i]);
    this.offset += 8;
    return v;
  }

  /** Read `n` bytes (a copy). */
  take(n: number): Uint8Array | null {
    if (n < 0 || this.remaining() < n) return null;
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/** Big-endian uint16 encoding. */
export function u16be(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

/** Big-endian uint64 encoding of a non-negative integer below 2^64. */
export function u64be(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let v = n;
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-shape byte equality (lengths must match). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
