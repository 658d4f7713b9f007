/**
 * UDP transport (RFC 1035 §4.2.1) on node:dgram (Node; Deno uses
 * `udp_deno.ts`, see `listen_dns.ts`). One datagram in, at most one datagram out.
 *
 * @module
 */

import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import type { DnsService } from "../dns_service.ts";

/** A bound UDP listener. */
export interface UdpListener {
  port: number;
  close(): Promise<void>;
}

/** Binds UDP on host:port and answers through `service`. */
export function listenUdp(service: DnsService, host: string, port: number): Promise<UdpListener> {
  const family = isIPv6(host) ? 6 : 4;
  const socket = dgram.createSocket({
    type: family === 6 ? "udp6" : "udp4",
    reuseAddr: false,
    // Reply addresses are already numeric: skip dns.lookup, which defers every send a tick.
    lookup: (address, _options, callback) => callback(null, address, family),
  });
  const onMessage = (msg: Uint8Array, rinfo: dgram.RemoteInfo): void => {
    // A plain Uint8Array view: Buffer.slice() shares memory, Uint8Array.slice() copies.
    const r = service.handle(
      new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
      false,
      rinfo.address,
    );
    if (r === null) return;
    if (r instanceof Uint8Array) socket.send(r, rinfo.port, rinfo.address);
    else r.then((bytes) => bytes && socket.send(bytes, rinfo.port, rinfo.address)).catch(() => {});
  };
  socket.on("message", onMessage);
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      socket.on("error", () => {});
      try {
        socket.setRecvBufferSize(4 * 1024 * 1024);
        socket.setSendBufferSize(4 * 1024 * 1024);
      } catch {
        // Buffer sizes are a tuning hint; some platforms refuse them.
      }
      resolve({
        port: socket.address().port,
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}
