import assert from "node:assert/strict";
import dgram from "node:dgram";
import { clientAddressText } from "./udp_batched.ts";

/** What node:dgram reports as rinfo.address for a datagram from `from` to a socket on `bindHost`. */
function dgramAddressOf(type: "udp4" | "udp6", bindHost: string, from: string): Promise<string> {
  const server = dgram.createSocket(type);
  const client = dgram.createSocket(from.includes(":") ? "udp6" : "udp4");
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no datagram")), 2000);
    server.on("message", (_m, rinfo) => {
      clearTimeout(timer);
      resolve(rinfo.address);
    });
    server.bind(0, bindHost, () => client.send(new Uint8Array([1]), server.address().port, from));
  }).finally(() => {
    server.close();
    client.close();
  });
}

Deno.test("clientAddressText() spells addresses as node:dgram's rinfo does", async () => {
  const v4 = new Uint8Array(16);
  v4.set([127, 0, 0, 1]);
  assert.equal(clientAddressText(v4, 0, 4), await dgramAddressOf("udp4", "127.0.0.1", "127.0.0.1"));
  const loop6 = new Uint8Array(16);
  loop6[15] = 1;
  assert.equal(clientAddressText(loop6, 0, 6), await dgramAddressOf("udp6", "::1", "::1"));
  // An IPv4 client of a dual-stack socket, at an offset inside a larger buffer.
  const mapped = new Uint8Array(20);
  mapped.set([0xff, 0xff, 127, 0, 0, 1], 14);
  assert.equal(clientAddressText(mapped, 4, 6), await dgramAddressOf("udp6", "::", "127.0.0.1"));
  const doc = new Uint8Array(16);
  doc.set([0x20, 0x01, 0x0d, 0xb8]);
  doc[15] = 0x53;
  assert.equal(clientAddressText(doc, 0, 6), "2001:db8::53");
});
