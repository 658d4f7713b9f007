/**
 * A UDP relay on 127.0.0.1 that forwards each datagram to a node and its
 * reply back, keeping a copy of both: what an eavesdropper on the path
 * between a client and a node would capture (used to replay real nsupdate
 * traffic at another node).
 *
 * @module
 */

import dgram from "node:dgram";

/** One request and the reply the node gave to it. */
export interface CapturedExchange {
  request: Uint8Array;
  reply: Uint8Array | undefined;
}

/** A running relay. */
export interface UdpCapture {
  port: number;
  exchanges: CapturedExchange[];
  close(): Promise<void>;
}

/** Starts a relay to `targetPort`; each client gets its own upstream socket. */
export async function startUdpCapture(targetPort: number): Promise<UdpCapture> {
  const front = dgram.createSocket("udp4");
  const upstreams: dgram.Socket[] = [];
  const exchanges: CapturedExchange[] = [];
  front.on("message", (msg, rinfo) => {
    const exchange: CapturedExchange = { request: new Uint8Array(msg), reply: undefined };
    exchanges.push(exchange);
    const up = dgram.createSocket("udp4");
    upstreams.push(up);
    up.once("message", (reply) => {
      exchange.reply = new Uint8Array(reply);
      front.send(reply, rinfo.port, rinfo.address);
      up.close();
    });
    up.send(msg, targetPort, "127.0.0.1");
  });
  await new Promise<void>((resolve) => front.bind(0, "127.0.0.1", () => resolve()));
  return {
    port: front.address().port,
    exchanges,
    async close() {
      for (const up of upstreams) {
        try {
          up.close();
        } catch { /* already closed after its reply */ }
      }
      await new Promise<void>((r) => front.close(() => r()));
    },
  };
}
