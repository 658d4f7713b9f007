/**
 * Raw DNS over real sockets for cases dig cannot produce (malformed packets,
 * QDCOUNT 2, pipelined TCP), built with the core codec.
 *
 * @module
 */

import dgram from "node:dgram";
import { encodeMessage } from "../../packages/core/wire/message.ts";

/** Builds a simple query message; with `edns`, an OPT record (payload 1232, no DO). */
export function buildQuery(name: string, type: number, id = 0x1234, edns = false): Uint8Array {
  return encodeMessage({
    id,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type, class: 1 }],
    answers: [],
    authorities: [],
    additionals: edns
      ? [{ name: "", type: 41, class: 1232, ttl: 0, rdata: new Uint8Array(0) }]
      : [],
  });
}

/** Sends one datagram and waits up to `timeoutMs` for a reply (null on timeout). */
export async function udpExchange(
  port: number,
  packet: Uint8Array,
  timeoutMs = 1000,
): Promise<Uint8Array | null> {
  const sock = dgram.createSocket("udp4");
  try {
    return await new Promise<Uint8Array | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      sock.once("message", (msg) => {
        clearTimeout(timer);
        resolve(new Uint8Array(msg));
      });
      sock.send(packet, port, "127.0.0.1");
    });
  } finally {
    sock.close();
  }
}

/**
 * Sends every packet at once from one socket, then collects replies until each
 * has one or `settleMs` pass without a reply after the last send (a slow node
 * under load still gets its answers counted, unlike a short per-query window).
 * On `Deno.listenDatagram`: node:dgram under Deno sent some datagrams of a
 * burst late and lost replies under load.
 *
 * @returns the replies, in arrival order
 */
export async function udpBurst(
  port: number,
  packets: Uint8Array[],
  settleMs = 3000,
): Promise<Uint8Array[]> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  const replies: Uint8Array[] = [];
  const receiving = (async () => {
    try {
      for (;;) {
        const [data] = await sock.receive();
        replies.push(data);
      }
    } catch {
      // closed below
    }
  })();
  try {
    for (const p of packets) await sock.send(p, to);
    let seen = -1;
    while (replies.length < packets.length && replies.length !== seen) {
      seen = replies.length;
      // The window restarts at every reply.
      const deadline = Date.now() + settleMs;
      while (replies.length === seen && replies.length < packets.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    sock.close();
    await receiving;
  }
  return replies;
}

/** Sends several framed messages on one TCP connection; reads `expect` framed replies. */
export async function tcpExchange(
  port: number,
  packets: Uint8Array[],
  expect: number,
  timeoutMs = 2000,
): Promise<Uint8Array[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const frames = packets.map((p) => {
    const f = new Uint8Array(p.length + 2);
    f[0] = p.length >> 8;
    f[1] = p.length & 0xff;
    f.set(p, 2);
    return f;
  });
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    all.set(f, o);
    o += f.length;
  }
  await conn.write(all);
  const replies: Uint8Array[] = [];
  let buf = new Uint8Array(0);
  const deadline = Date.now() + timeoutMs;
  const chunk = new Uint8Array(65536);
  try {
    while (replies.length < expect && Date.now() < deadline) {
      const n = await Promise.race([
        conn.read(chunk),
        new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now()))),
      ]);
      if (n === null) break;
      const merged = new Uint8Array(buf.length + n);
      merged.set(buf);
      merged.set(chunk.subarray(0, n), buf.length);
      buf = merged;
      while (buf.length >= 2 && buf.length >= 2 + ((buf[0] << 8) | buf[1])) {
        const len = (buf[0] << 8) | buf[1];
        replies.push(buf.slice(2, 2 + len));
        buf = buf.slice(2 + len);
      }
    }
  } finally {
    conn.close();
  }
  return replies;
}

/**
 * Sends `packets` from UDP sockets bound to the given loopback source
 * addresses (any 127/8 address works on Linux), `from[i]` sending
 * `packets[i]`, without waiting between sends; then collects replies until
 * none has arrived for `quietMs` (bounded by `maxMs`). Returns the replies
 * received per source address.
 */
export async function udpFromSources(
  port: number,
  from: string[],
  packets: Uint8Array[],
  options: { quietMs?: number; maxMs?: number; gapEvery?: number } = {},
): Promise<Map<string, Uint8Array[]>> {
  const sockets = new Map<string, dgram.Socket>();
  const replies = new Map<string, Uint8Array[]>();
  let lastReply = Date.now();
  for (const addr of new Set(from)) {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(0, addr, () => resolve());
    });
    s.setRecvBufferSize(4 * 1024 * 1024);
    const list: Uint8Array[] = [];
    replies.set(addr, list);
    s.on("message", (msg) => {
      list.push(new Uint8Array(msg));
      lastReply = Date.now();
    });
    sockets.set(addr, s);
  }
  try {
    for (let i = 0; i < packets.length; i++) {
      sockets.get(from[i])!.send(packets[i], port, "127.0.0.1");
      // Yield now and then so the sends do not overrun the node's receive buffer.
      if (options.gapEvery && i % options.gapEvery === options.gapEvery - 1) {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const quiet = options.quietMs ?? 500;
    const end = Date.now() + (options.maxMs ?? 15000);
    lastReply = Math.max(lastReply, Date.now());
    while (Date.now() - lastReply < quiet && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    for (const s of sockets.values()) s.close();
  }
  return replies;
}
