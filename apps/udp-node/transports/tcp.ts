/**
 * TCP transport on node:net (Node; Deno uses `tcp_deno.ts`). Framing, limits
 * and in-order answers live in the runtime-free `tcp_connection_policy.ts`;
 * this adapter accepts sockets and moves bytes. Answers carry the
 * edns-tcp-keepalive option (RFC 7828) with the idle timeout when asked.
 *
 * @module
 */

import net from "node:net";
import type { DnsService } from "../dns_service.ts";
import {
  plainTcpEdns,
  TcpConnectionPolicy,
  type TcpOptions,
  type TcpPeer,
} from "./tcp_connection_policy.ts";

export type { TcpOptions } from "./tcp_connection_policy.ts";

/** A bound TCP listener. */
export interface TcpListener {
  port: number;
  close(): Promise<void>;
}

/** A node:net (or node:tls) socket as the policy's {@linkcode TcpPeer}. */
export function nodePeer(socket: net.Socket): TcpPeer {
  return {
    write: (bytes) => socket.write(bytes),
    drained: () =>
      new Promise<void>((resolve) => {
        if (socket.destroyed || socket.writableLength === 0) return resolve();
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      }),
    queuedBytes: () => socket.writableLength,
    destroy: () => socket.destroy(),
    get destroyed() {
      return socket.destroyed;
    },
  };
}

/** Binds TCP on host:port and answers through `service`. */
export function listenTcp(
  service: DnsService,
  host: string,
  port: number,
  options: TcpOptions,
): Promise<TcpListener> {
  const policy = new TcpConnectionPolicy(service, { ...options, edns: plainTcpEdns(options) });
  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    const conn = policy.open(nodePeer(socket), socket.remoteAddress ?? "");
    if (!conn) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.on("close", () => conn.closed());
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Uint8Array) => conn.receive(chunk));
  });
  return bindConnectionServer(server, policy, host, port);
}

/**
 * Binds a node:net server whose connections `policy` manages (plain TCP or
 * DoT); closing the listener closes every connection first.
 */
export function bindConnectionServer(
  server: net.Server,
  policy: TcpConnectionPolicy,
  host: string,
  port: number,
): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: 128 }, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : port,
        close: () =>
          new Promise((r) => {
            policy.closeAll();
            server.close(() => r());
          }),
      });
    });
  });
}
