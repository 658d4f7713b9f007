/**
 * DNS over TCP without a runtime (RFC 1035 §4.2.2, RFC 7766): 2-byte length
 * framing, several messages per connection answered in order, and the
 * connection limits. The runtime adapters (`tcp.ts` on node:net, `tcp_deno.ts`
 * on `Deno.listen`) only accept sockets, feed the bytes they read to
 * {@linkcode TcpConnection.receive} and write what it hands their
 * {@linkcode TcpPeer}; both therefore enforce exactly the same limits.
 *
 * Connection management (RFC 7766 §6.2; issue 12 #7: 1,024 connections from
 * one address dribbling a byte a second locked every other client out):
 * - a message must be complete within `messageTimeoutMs` of its first byte,
 *   however slowly the bytes arrive (bytes no longer buy time);
 * - a connection with no message in progress is closed after
 *   `idleTimeoutMs` (§6.2.3);
 * - at most `maxPerAddress` connections per client address (the IPv4
 *   address, or the IPv6 /64, which one host can fill at will);
 * - at most `maxConnections` in all; when full, the connection idle the
 *   longest makes room for the newcomer (§6.2.3: a server under pressure
 *   closes idle connections first), and only when none is idle is the
 *   newcomer refused;
 * - a client that stops reading its answers is disconnected once
 *   {@linkcode MAX_QUEUED_BYTES} of them are queued.
 *
 * A zero length prefix closes the connection. DoT (RFC 7858 §3.3) uses the
 * same framing inside TLS: its adapter opens connections with `handshake`,
 * so the caps apply to the TCP connection before any TLS starts and the
 * handshake must finish within the message deadline.
 *
 * @module
 */

import type { DnsService } from "../dns_service.ts";
import { addressPrefixHash } from "../../../packages/core/rate_limit/address_prefix.ts";
import { keepaliveTimeout, type StreamEdns } from "../../../packages/core/wire/edns.ts";

/** TCP limits. */
export interface TcpOptions {
  idleTimeoutMs: number;
  /** a message must be complete this long after its first byte */
  messageTimeoutMs: number;
  maxConnections: number;
  maxPerAddress: number;
}

/**
 * What plain TCP answers carry: keepalive with the idle timeout (RFC 7828),
 * never padding (RFC 8467 §4: padding is for encrypted transports).
 */
export function plainTcpEdns(options: TcpOptions): StreamEdns {
  return { keepalive: keepaliveTimeout(options.idleTimeoutMs), padBlock: 0 };
}

/** Queued answer bytes beyond which a client that does not read is dropped. */
export const MAX_QUEUED_BYTES = 1024 * 1024;

/** What a runtime adapter provides for one accepted socket. */
export interface TcpPeer {
  /**
   * Queues bytes for the client, in order. Returns false when the queue is
   * past the adapter's high-water mark: a producer of many messages (AXFR)
   * then waits for {@linkcode TcpPeer.drained}.
   */
  write(bytes: Uint8Array): boolean;
  /** Resolves once the queue has drained, or the socket closed. */
  drained(): Promise<void>;
  /** Bytes queued and not yet taken by the kernel. */
  queuedBytes(): number;
  /** Closes the socket at once; the adapter then calls {@linkcode TcpConnection.closed}. */
  destroy(): void;
  /** True once destroyed or closed by the client. */
  readonly destroyed: boolean;
}

/** A listener's connections and their limits; one per listener. */
export class TcpConnectionPolicy {
  #service: DnsService;
  #options: TcpOptions;
  #edns: StreamEdns;
  #conns = new Set<TcpConnection>();
  #perAddress = new Map<number, number>();

  /**
   * @param service answers the messages
   * @param options the limits, and the EDNS options (RFC 7828 keepalive, RFC 8467 padding)
   *   answers carry when the query asks
   */
  constructor(service: DnsService, options: TcpOptions & { edns: StreamEdns }) {
    this.#service = service;
    this.#options = options;
    this.#edns = options.edns;
  }

  /** Open connections (for tests and metrics). */
  get size(): number {
    return this.#conns.size;
  }

  /**
   * Admits a newly accepted socket, or refuses it (returns undefined; the
   * caller closes the socket) when its address is at its cap, or when the
   * listener is full and no connection is idle to make room.
   *
   * @param peer the adapter's socket
   * @param remote the client address
   * @param handshake true when a TLS handshake must finish first (the adapter then calls
   *   {@linkcode TcpConnection.ready}); it is bounded by the message deadline
   * @returns the connection to feed, or undefined when refused
   */
  open(peer: TcpPeer, remote: string, handshake = false): TcpConnection | undefined {
    // One key per IPv4 address or IPv6 /64.
    const key = addressPrefixHash(remote, 32, 64);
    const count = this.#perAddress.get(key) ?? 0;
    if (
      count >= this.#options.maxPerAddress ||
      (this.#conns.size >= this.#options.maxConnections && !this.#closeIdlest())
    ) {
      return undefined;
    }
    this.#perAddress.set(key, count + 1);
    const conn = new TcpConnection({
      service: this.#service,
      options: this.#options,
      edns: this.#edns,
      peer,
      remote,
      handshake,
      onClose: () => {
        if (!this.#conns.delete(conn)) return;
        const n = (this.#perAddress.get(key) ?? 1) - 1;
        if (n > 0) this.#perAddress.set(key, n);
        else this.#perAddress.delete(key);
      },
    });
    this.#conns.add(conn);
    return conn;
  }

  /** Destroys every connection (listener shutdown). */
  closeAll(): void {
    for (const c of [...this.#conns]) c.destroy();
  }

  /** Closes the connection idle the longest (no message in progress, no answer owed). */
  #closeIdlest(): boolean {
    let idlest: TcpConnection | undefined;
    for (const c of this.#conns) {
      if (!c.idle) continue;
      if (!idlest || c.lastActive < idlest.lastActive) idlest = c;
    }
    if (!idlest) return false;
    idlest.destroy();
    return true;
  }
}

/** One admitted connection: framing, timers, in-order answers. */
export class TcpConnection {
  #service: DnsService;
  #options: TcpOptions;
  #edns: StreamEdns;
  #peer: TcpPeer;
  #remote: string;
  #onClose: () => void;
  /** a message (or the TLS handshake) has started and is not complete */
  #partial = false;
  /** answers not yet written */
  #pending = 0;
  /** when the connection last finished a message or an answer (ms) */
  lastActive = Date.now();
  #buffered = new Uint8Array(0);
  // Responses go out in request order (RFC 7766 §7 allows reordering; in-order is simpler for clients).
  #chain: Promise<void> = Promise.resolve();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #messageTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** Use {@linkcode TcpConnectionPolicy.open}. */
  constructor(init: {
    service: DnsService;
    options: TcpOptions;
    edns: StreamEdns;
    peer: TcpPeer;
    remote: string;
    handshake: boolean;
    onClose: () => void;
  }) {
    this.#service = init.service;
    this.#options = init.options;
    this.#edns = init.edns;
    this.#peer = init.peer;
    this.#remote = init.remote;
    this.#onClose = init.onClose;
    if (init.handshake) {
      // The handshake counts as a message in progress: bounded by the message deadline.
      this.#partial = true;
      this.#messageTimer = setTimeout(() => this.destroy(), this.#options.messageTimeoutMs);
    } else {
      this.#armIdle();
    }
  }

  /** The TLS handshake finished: DNS messages may flow, the idle timer runs. */
  ready(): void {
    if (this.#closed) return;
    clearTimeout(this.#messageTimer);
    this.#partial = false;
    this.lastActive = Date.now();
    this.#armIdle();
  }

  /** No message in progress and no answer owed: the first to go when the listener is full. */
  get idle(): boolean {
    return !this.#partial && this.#pending === 0;
  }

  /** Closes the socket and releases the connection's slot. */
  destroy(): void {
    this.#peer.destroy();
    this.closed();
  }

  /** The adapter saw the socket close (either side); idempotent. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#messageTimer);
    this.#onClose();
  }

  /**
   * Bytes read from the socket. The chunk is copied, so the adapter may
   * reuse its read buffer.
   */
  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    const merged = new Uint8Array(this.#buffered.length + chunk.length);
    merged.set(this.#buffered);
    merged.set(chunk, this.#buffered.length);
    let pos = 0;
    while (merged.length - pos >= 2) {
      const len = (merged[pos] << 8) | merged[pos + 1];
      if (len === 0) {
        this.destroy();
        return;
      }
      if (merged.length - pos - 2 < len) break;
      const msg = merged.slice(pos + 2, pos + 2 + len);
      pos += 2 + len;
      this.#dispatch(msg);
    }
    this.#buffered = merged.slice(pos);
    if (pos > 0) this.lastActive = Date.now();
    const partial = this.#buffered.length > 0;
    if (!partial) {
      clearTimeout(this.#messageTimer);
      this.#armIdle();
    } else if (!this.#partial || pos > 0) {
      // A new message began: its deadline runs from this first byte, and later bytes of it
      // do not extend it; the idle timer waits until no message is in progress.
      clearTimeout(this.#idleTimer);
      clearTimeout(this.#messageTimer);
      this.#messageTimer = setTimeout(() => this.destroy(), this.#options.messageTimeoutMs);
    }
    this.#partial = partial;
  }

  #dispatch(msg: Uint8Array): void {
    const peer = this.#peer;
    // Zone transfers answer with a stream of messages (RFC 5936 §2.2).
    const stream = this.#service.stream(msg, this.#remote);
    this.#pending++;
    if (stream) {
      this.#chain = this.#chain.then(() => writeStream(peer, stream)).catch(() => {
        this.destroy();
      }).finally(() => this.#answered());
      return;
    }
    const r = this.#service.handle(msg, true, this.#remote, this.#edns);
    this.#chain = this.#chain.then(async () => {
      const bytes = r instanceof Promise ? await r : r;
      if (bytes && !peer.destroyed) {
        peer.write(frame(bytes));
        if (peer.queuedBytes() > MAX_QUEUED_BYTES) this.destroy();
      }
    }).catch(() => {}).finally(() => this.#answered());
  }

  #answered(): void {
    this.#pending--;
    this.lastActive = Date.now();
    if (!this.#partial) this.#armIdle();
  }

  #armIdle(): void {
    if (this.#closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.destroy(), this.#options.idleTimeoutMs);
  }
}

/** Writes framed messages in order, waiting for the socket to drain (backpressure). */
async function writeStream(peer: TcpPeer, stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const bytes of stream) {
    if (peer.destroyed) return;
    if (!peer.write(frame(bytes))) await peer.drained();
  }
}

/** The 2-byte length prefix of RFC 1035 §4.2.2. */
function frame(bytes: Uint8Array): Uint8Array {
  const framed = new Uint8Array(bytes.length + 2);
  framed[0] = bytes.length >> 8;
  framed[1] = bytes.length & 0xff;
  framed.set(bytes, 2);
  return framed;
}
