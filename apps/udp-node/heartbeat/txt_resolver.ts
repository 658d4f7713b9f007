/**
 * Reads TXT RRsets through configured resolvers (the heartbeat harvest,
 * brief §4.4): UDP with EDNS 4096, TCP when the answer is truncated; each
 * resolver tried in turn until one gives an authoritative-or-recursive answer
 * (REFUSED/SERVFAIL move on to the next). Each character-string list of an RR
 * is joined into one value.
 *
 * @module
 */

import dgram from "node:dgram";
import net from "node:net";
import { CLASS, FLAG, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../../packages/core/wire/message.ts";
import { decodeTxtValue } from "../../../packages/core/wire/rdata.ts";
import { canonicalName } from "../../../packages/core/wire/name.ts";

/** A resolver address. */
export interface ResolverAddress {
  host: string;
  port: number;
}

/** Parses `ip` / `ip:port` / `[v6]:port` entries (default port 53). */
export function parseResolvers(list: readonly string[]): ResolverAddress[] {
  return list.map((entry) => {
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (v6) return { host: v6[1], port: Number(v6[2] ?? 53) };
    const m = /^([^:]+):(\d+)$/.exec(entry);
    return m ? { host: m[1], port: Number(m[2]) } : { host: entry, port: 53 };
  });
}

function query(name: string): Uint8Array {
  return encodeMessage({
    id: crypto.getRandomValues(new Uint16Array(1))[0],
    flags: FLAG.RD,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type: TYPE.TXT, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [{ name: "", type: TYPE.OPT, class: 4096, ttl: 0, rdata: new Uint8Array(0) }],
  });
}

function udpAsk(r: ResolverAddress, q: Uint8Array, timeoutMs: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(r.host) ? "udp6" : "udp4");
    const timer = setTimeout(() => done(null), timeoutMs);
    function done(v: Uint8Array | null) {
      clearTimeout(timer);
      sock.close();
      resolve(v);
    }
    sock.on("error", () => done(null));
    sock.on("message", (m) => {
      if (m.length >= 2 && m[0] === q[0] && m[1] === q[1]) done(new Uint8Array(m));
    });
    sock.send(q, r.port, r.host);
  });
}

function tcpAsk(r: ResolverAddress, q: Uint8Array, timeoutMs: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: r.host, port: r.port });
    let buf = new Uint8Array(0);
    const timer = setTimeout(() => done(null), timeoutMs);
    function done(v: Uint8Array | null) {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    }
    sock.on("error", () => done(null));
    sock.on("connect", () => {
      const framed = new Uint8Array(q.length + 2);
      framed[0] = q.length >> 8;
      framed[1] = q.length & 0xff;
      framed.set(q, 2);
      sock.write(framed);
    });
    sock.on("data", (chunk: Uint8Array) => {
      const merged = new Uint8Array(buf.length + chunk.length);
      merged.set(buf);
      merged.set(chunk, buf.length);
      buf = merged;
      if (buf.length >= 2 && buf.length >= 2 + ((buf[0] << 8) | buf[1])) {
        done(buf.slice(2, 2 + ((buf[0] << 8) | buf[1])));
      }
    });
  });
}

/** TXT values at `name`, or null when no resolver gave an answer (timeouts, REFUSED). */
export async function resolveTxt(
  name: string,
  resolvers: readonly ResolverAddress[],
  options: { timeoutMs?: number; maxValues?: number } = {},
): Promise<string[] | null> {
  const timeout = options.timeoutMs ?? 3000;
  for (const r of resolvers) {
    const q = query(name);
    let reply = await udpAsk(r, q, timeout);
    if (reply && reply.length >= 4 && (reply[2] & 0x02)) reply = await tcpAsk(r, q, timeout);
    if (!reply) continue;
    const m = decodeMessage(reply);
    if (!m.ok) continue;
    if (m.message.rcode === RCODE.NXDOMAIN) return [];
    if (m.message.rcode !== RCODE.NOERROR) continue;
    const want = canonicalName(name);
    const values: string[] = [];
    for (const rr of m.message.answers) {
      if (rr.type !== TYPE.TXT || canonicalName(rr.name) !== want) continue;
      const v = decodeTxtValue(rr.rdata);
      if (v !== null) values.push(v);
      if (values.length >= (options.maxValues ?? Infinity)) break;
    }
    return values;
  }
  return null;
}
