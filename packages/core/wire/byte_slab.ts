/**
 * A bump allocator of byte views: carves `Uint8Array`s out of large
 * `ArrayBuffer`s instead of giving each its own. A typed array over 64 bytes
 * gets an off-heap backing store of its own in V8 (a malloc, an external
 * memory report and a sweep entry in every major GC); views into one chunk
 * cost a heap object only. Memory is never reused: a chunk is freed by the
 * GC once no view into it is left, so handing a view to an async consumer
 * (a socket write queue) is safe.
 *
 * This module is browser compatible.
 * @module
 */

/** Carves zero-filled byte views out of shared chunks. */
export class ByteSlab {
  #chunkSize: number;
  #chunk: ArrayBuffer;
  #used = 0;

  /** `chunkSize`: bytes per chunk; requests larger than a quarter of it get their own buffer. */
  constructor(chunkSize = 64 * 1024) {
    this.#chunkSize = chunkSize;
    this.#chunk = new ArrayBuffer(chunkSize);
  }

  /**
   * A fresh zero-filled view of `length` bytes.
   *
   * @example
   * ```ts
   * import { ByteSlab } from "./byte_slab.ts";
   * const slab = new ByteSlab(1024);
   * const a = slab.alloc(10), b = slab.alloc(10);
   * if (a.buffer !== b.buffer || b.byteOffset < 10) throw new Error();
   * ```
   */
  alloc(length: number): Uint8Array {
    // Big requests would waste the rest of a chunk; they are rare (TCP answers, zone loads).
    if (length > this.#chunkSize >> 2) return new Uint8Array(length);
    if (this.#used + length > this.#chunkSize) {
      this.#chunk = new ArrayBuffer(this.#chunkSize);
      this.#used = 0;
    }
    const view = new Uint8Array(this.#chunk, this.#used, length);
    // 8-byte alignment keeps neighbouring views off each other's words.
    this.#used = (this.#used + length + 7) & ~7;
    return view;
  }
}
