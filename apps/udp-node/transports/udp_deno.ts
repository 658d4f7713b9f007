/**
 * UDP transport on `Deno.listenDatagram` (Deno; Node uses `udp.ts`). Under
 * Deno, node:dgram answered about 879 queries/s (issue 15): every datagram
 * crossed Deno's Node compatibility layer. One datagram in, at most one
 * datagram out (RFC 1035 §4.2.1).
 *
 * `Deno.listenDatagram` needs `--unstable-net` (or `"unstable": ["net"]` in
 * deno.json, which this repository sets); {@linkcode denoDatagramAvailable}
 * tells whether it is there.
 *
 * @module
 */

import type { DnsService } from "../dns_service.ts";
import type { UdpListener } from "./udp.ts";
import { nodeShapedBindError } from "./bind_error.ts";

/** The largest UDP payload (65535 less the IPv4 headers); DNS queries are far smaller. */
const RECEIVE_BUFFER_BYTES = 65535;

/** The datagram API, absent without `--unstable-net`. */
type ListenDatagram = (
  options: { transport: "udp"; hostname: string; port: number },
) => Deno.DatagramConn;

function listenDatagram(): ListenDatagram | undefined {
  const d = (globalThis as { Deno?: { listenDatagram?: ListenDatagram } }).Deno;
  return typeof d?.listenDatagram === "function" ? d.listenDatagram : undefined;
}

/** True on Deno with the (unstable) datagram API enabled. */
export function denoDatagramAvailable(): boolean {
  return listenDatagram() !== undefined;
}

/** Binds UDP on host:port and answers through `service`. */
export function listenUdpDeno(
  service: DnsService,
  host: string,
  port: number,
): Promise<UdpListener> {
  const listen = listenDatagram();
  if (!listen) {
    return Promise.reject(
      new Error("Cannot listen on UDP: Deno.listenDatagram needs --unstable-net"),
    );
  }
  let socket: Deno.DatagramConn;
  try {
    socket = listen({ transport: "udp", hostname: host, port });
  } catch (e) {
    return Promise.reject(nodeShapedBindError(e, host, port));
  }
  let closing = false;
  const send = (bytes: Uint8Array, to: Deno.NetAddr) => {
    // A send that fails (the client's port is gone) loses one answer, as on any UDP server.
    socket.send(bytes, to).catch(() => {});
  };
  const buf = new Uint8Array(RECEIVE_BUFFER_BYTES);
  const receiving = (async () => {
    while (!closing) {
      let data: Uint8Array;
      let addr: Deno.Addr;
      try {
        [data, addr] = await socket.receive(buf);
      } catch {
        if (closing) return;
        // A persistent socket error: back off instead of spinning on it.
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const from = addr as Deno.NetAddr;
      // No copy: `buf` is reused for the next datagram, and DnsService copies the request
      // before its async paths (UPDATE, signed, transfer) read it later.
      const r = service.handle(data, false, from.hostname);
      if (r === null) continue;
      if (r instanceof Uint8Array) send(r, from);
      else r.then((bytes) => bytes && send(bytes, from)).catch(() => {});
    }
  })();
  return Promise.resolve({
    port: (socket.addr as Deno.NetAddr).port,
    io: "Deno.listenDatagram",
    async close() {
      closing = true;
      socket.close();
      await receiving;
    },
  });
}
