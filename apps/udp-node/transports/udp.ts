/**
 * UDP transport (RFC 1035 §4.2.1) on Node: the batched recvmmsg/sendmmsg addon
 * (`udp_batched.ts`) where it is built, else node:dgram (Deno uses
 * `udp_deno.ts`, see `listen_dns.ts`). One datagram in, at most one datagram out.
 *
 * @module
 */

import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import type { DnsService } from "../dns_service.ts";
import { listenUdpBatched, loadBatchedUdp } from "./udp_batched.ts";

/** A bound UDP listener. */
export interface UdpListener {
  port: number;
  /** How datagrams move: "recvmmsg", "node:dgram" or "Deno.listenDatagram". */
  io: string;
  /** Why the batched I/O was not used when it was asked for with "auto" (else undefined). */
  fallbackReason?: string;
  close(): Promise<void>;
}

/** DMP_DNS_UDP_IO: the batched addon when built ("auto"), always ("batched") or never ("dgram"). */
export type UdpIoChoice = "auto" | "batched" | "dgram";

/**
 * Binds UDP on host:port with the I/O `choice` asks for. "batched" without the
 * addon is an error naming how to build it; "auto" falls back to node:dgram
 * and says why in `fallbackReason`.
 */
export async function listenUdp(
  service: DnsService,
  host: string,
  port: number,
  choice: UdpIoChoice = "auto",
): Promise<UdpListener> {
  if (choice === "dgram") return listenUdpDgram(service, host, port);
  const { addon, loadError } = loadBatchedUdp();
  if (addon) return listenUdpBatched(addon, service, host, port);
  if (choice === "batched") throw new Error(`DMP_DNS_UDP_IO=batched: ${loadError}`);
  return { ...(await listenUdpDgram(service, host, port)), fallbackReason: loadError ?? undefined };
}

/** Binds UDP on host:port with node:dgram and answers through `service`. */
export function listenUdpDgram(
  service: DnsService,
  host: string,
  port: number,
): Promise<UdpListener> {
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
        io: "node:dgram",
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}
