/** An open batched UDP socket (opaque). */
export type BatchedUdpHandle = { readonly __batchedUdp: unique symbol };

/** The addon's functions (batched_udp.c). */
export interface BatchedUdpAddon {
  /** Datagrams per batch; every arena holds this many slots. */
  readonly BATCH: number;
  /** int32 words of metadata per slot. */
  readonly META_WORDS: number;
  /** Binds host:port and calls onBatch(n) for each batch of n datagrams; returns [handle, bound port]. */
  open(
    host: string,
    port: number,
    onBatch: (count: number) => void,
    inArena: ArrayBuffer,
    outArena: ArrayBuffer,
    metaArena: ArrayBuffer,
    inSlot: number,
    outSlot: number,
  ): [BatchedUdpHandle, number];
  /** Stops receiving and frees the port at once. */
  close(handle: BatchedUdpHandle): void;
  /** Sends one datagram (an answer that came after its batch). */
  sendTo(
    handle: BatchedUdpHandle,
    bytes: Uint8Array,
    family: number,
    port: number,
    address: Uint8Array,
  ): void;
  /** [received, sent, send dropped, oversized answers]. */
  stats(handle: BatchedUdpHandle): [number, number, number, number];
}

/** The addon, or null when it is not built or not supported here. */
export const addon: BatchedUdpAddon | null;
/** Why `addon` is null. */
export const loadError: string | null;
