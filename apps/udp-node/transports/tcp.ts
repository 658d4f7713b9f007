/**
 * TCP transport (RFC 1035 §4.2.2, RFC 7766): 2-byte length framing, several
 * messages per connection answered in order, an idle timeout, and a cap on
 * open connections. A zero length prefix closes the connection.
 *
 * @module
 */

import net from "node:net";
import type { DnsService } from "../dns_service.ts";

/** A bound TCP listener. */
export interface TcpListener {
  port: number;
  close(): Promise<void>;
}

/** TCP limits. */
export interface TcpOptions {
  idleTimeoutMs: number;
  maxConnections: number;
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

/** Binds TCP on host:port and answers through `service`. */
export function listenTcp(
  service: DnsService,
  host: string,
  port: number,
  options: TcpOptions,
): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const remote = socket.remoteAddress ?? "";
    let pending = new Uint8Array(0);
    // Responses go out in request order (RFC 7766 §7 allows reordering; in-order is simpler for clients).
    let chain: Promise<void> = Promise.resolve();
    socket.on("data", (chunk: Uint8Array) => {
      const merged = new Uint8Array(pending.length + chunk.length);
      merged.set(pending);
      merged.set(chunk, pending.length);
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
          chain = chain.then(() => writeStream(socket, stream)).catch(() => {
            socket.destroy();
          });
          continue;
        }
        const r = service.handle(msg, true, remote);
        chain = chain.then(async () => {
          const bytes = r instanceof Promise ? await r : r;
          if (bytes && !socket.destroyed) socket.write(frame(bytes));
        }).catch(() => {});
      }
      pending = merged.slice(pos);
    });
  });
  server.maxConnections = options.maxConnections;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: 128 }, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : port,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
