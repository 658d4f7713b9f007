/**
 * DNS over a stream (RFC 1035 §4.2.2, RFC 7766), shared by the plain TCP
 * listener and DoT (RFC 7858 §3.3: the same 2-byte length framing inside
 * TLS): several messages per connection answered in order; a zero length
 * prefix closes the connection.
 *
 * Connection management (RFC 7766 §6.2; issue 12 #7: 1,024 connections from
 * one address dribbling a byte a second locked every other client out),
 * applied to the TCP connection before any TLS handshake so handshakes cannot
 * sidestep it:
 * - a message must be complete within `messageTimeoutMs` of its first byte,
 *   however slowly the bytes arrive (bytes no longer buy time); a TLS
 *   handshake must complete within the same time of the connection;
 * - a connection with no message in progress is closed after
 *   `idleTimeoutMs` (§6.2.3);
 * - at most `maxPerAddress` connections per client address (the IPv4
 *   address, or the IPv6 /64, which one host can fill at will);
 * - at most `maxConnections` in all; when full, the connection idle the
 *   longest makes room for the newcomer (§6.2.3: a server under pressure
 *   closes idle connections first), and only when none is idle is the
 *   newcomer refused;
 * - a client that stops reading its answers is disconnected once 1 MiB of
 *   them is queued.
 *
 * @module
 */

import net from "node:net";
import type { DnsService } from "../dns_service.ts";
import { addressPrefixHash } from "../../../packages/core/rate_limit/address_prefix.ts";
import type { StreamEdns } from "../../../packages/core/wire/edns.ts";

/** A bound stream listener. */
export interface StreamListener {
  port: number;
  close(): Promise<void>;
}

/** Connection limits, the same for TCP and DoT. */
export interface StreamLimits {
  idleTimeoutMs: number;
  /** a message (or a TLS handshake) must be complete this long after its first byte */
  messageTimeoutMs: number;
  maxConnections: number;
  maxPerAddress: number;
}

/**
 * Turns an admitted TCP connection into the socket DNS messages flow over
 * (a TLS socket for DoT) and calls `ready` once they can (after the
 * handshake). Without one, messages flow over the TCP socket at once.
 */
export type StreamUpgrade = (raw: net.Socket, ready: () => void) => net.Socket;

/** Queued answer bytes beyond which a client that does not read is dropped. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** Per-connection state the listener needs to pick an idle connection to close. */
interface Conn {
  socket: net.Socket;
  /** a message (or the handshake) has started and is not complete */
  partial: boolean;
  /** answers not yet written */
  pending: number;
  /** when the connection last finished a message or an answer (ms) */
  lastActive: number;
}

/** Writes framed messages in order, waiting for the socket to drain (backpressure). */
async function writeStream(socket: net.Socket, stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const bytes of stream) {
    if (socket.destroyed) return;
    if (!socket.write(frame(bytes))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    }
  }
}

function frame(bytes: Uint8Array): Uint8Array {
  const framed = new Uint8Array(bytes.length + 2);
  framed[0] = bytes.length >> 8;
  framed[1] = bytes.length & 0xff;
  framed.set(bytes, 2);
  return framed;
}

/**
 * Binds host:port and answers DNS messages over each connection through
 * `service`, adding `edns` options to answers of queries that ask.
 */
export function listenStream(
  service: DnsService,
  host: string,
  port: number,
  limits: StreamLimits,
  edns: StreamEdns,
  upgrade?: StreamUpgrade,
): Promise<StreamListener> {
  const conns = new Set<Conn>();
  const perAddress = new Map<number, number>();

  /** Closes the connection idle the longest (no message in progress, no answer owed). */
  const closeIdlest = (): boolean => {
    let idlest: Conn | undefined;
    for (const c of conns) {
      if (c.partial || c.pending > 0) continue;
      if (!idlest || c.lastActive < idlest.lastActive) idlest = c;
    }
    if (!idlest) return false;
    idlest.socket.destroy();
    conns.delete(idlest);
    return true;
  };

  const server = net.createServer({ pauseOnConnect: false }, (raw) => {
    const remote = raw.remoteAddress ?? "";
    // One key per IPv4 address or IPv6 /64.
    const key = addressPrefixHash(remote, 32, 64);
    const count = perAddress.get(key) ?? 0;
    if (
      count >= limits.maxPerAddress || (conns.size >= limits.maxConnections && !closeIdlest())
    ) {
      raw.destroy();
      return;
    }
    perAddress.set(key, count + 1);
    raw.setNoDelay(true);
    raw.on("error", () => raw.destroy());
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let messageTimer: ReturnType<typeof setTimeout> | undefined;
    const conn: Conn = { socket: raw, partial: !!upgrade, pending: 0, lastActive: Date.now() };
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => socket.destroy(), limits.idleTimeoutMs);
    };
    const onReady = () => {
      clearTimeout(messageTimer);
      conn.partial = false;
      conn.lastActive = Date.now();
      armIdle();
      socket.on("data", onData);
    };
    // The handshake counts as a message in progress: bounded by the message deadline.
    if (upgrade) messageTimer = setTimeout(() => socket.destroy(), limits.messageTimeoutMs);
    const socket = upgrade ? upgrade(raw, onReady) : raw;
    conn.socket = socket;
    conns.add(conn);
    let closed = false;
    const onClose = () => {
      if (closed) return;
      closed = true;
      clearTimeout(idleTimer);
      clearTimeout(messageTimer);
      conns.delete(conn);
      const n = (perAddress.get(key) ?? 1) - 1;
      if (n > 0) perAddress.set(key, n);
      else perAddress.delete(key);
      if (!socket.destroyed) socket.destroy();
    };
    socket.on("close", onClose);
    if (socket !== raw) {
      raw.on("close", onClose);
      socket.on("error", () => socket.destroy());
    }
    let buffered = new Uint8Array(0);
    // Responses go out in request order (RFC 7766 §7 allows reordering; in-order is simpler for clients).
    let chain: Promise<void> = Promise.resolve();
    const onData = (chunk: Uint8Array) => {
      const merged = new Uint8Array(buffered.length + chunk.length);
      merged.set(buffered);
      merged.set(chunk, buffered.length);
      let pos = 0;
      while (merged.length - pos >= 2) {
        const len = (merged[pos] << 8) | merged[pos + 1];
        if (len === 0) {
          socket.destroy();
          return;
        }
        if (merged.length - pos - 2 < len) break;
        const msg = merged.slice(pos + 2, pos + 2 + len);
        pos += 2 + len;
        // Zone transfers answer with a stream of messages (RFC 5936 §2.2).
        const stream = service.stream(msg, remote);
        if (stream) {
          conn.pending++;
          chain = chain.then(() => writeStream(socket, stream)).catch(() => {
            socket.destroy();
          }).finally(() => {
            conn.pending--;
            conn.lastActive = Date.now();
            if (!conn.partial) armIdle();
          });
          continue;
        }
        const r = service.handle(msg, true, remote, edns);
        conn.pending++;
        chain = chain.then(async () => {
          const bytes = r instanceof Promise ? await r : r;
          if (bytes && !socket.destroyed) {
            socket.write(frame(bytes));
            if (socket.writableLength > MAX_QUEUED_BYTES) socket.destroy();
          }
        }).catch(() => {}).finally(() => {
          conn.pending--;
          conn.lastActive = Date.now();
          if (!conn.partial) armIdle();
        });
      }
      buffered = merged.slice(pos);
      if (pos > 0) conn.lastActive = Date.now();
      const partial = buffered.length > 0;
      if (!partial) {
        clearTimeout(messageTimer);
        armIdle();
      } else if (!conn.partial || pos > 0) {
        // A new message began: its deadline runs from this first byte, and later bytes of it
        // do not extend it; the idle timer waits until no message is in progress.
        clearTimeout(idleTimer);
        clearTimeout(messageTimer);
        messageTimer = setTimeout(() => socket.destroy(), limits.messageTimeoutMs);
      }
      conn.partial = partial;
    };
    if (!upgrade) onReady();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: 128 }, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : port,
        close: () =>
          new Promise((r) => {
            for (const c of conns) c.socket.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
