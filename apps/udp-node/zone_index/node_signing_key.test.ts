/**
 * The node's signing key under Node (a real `node` process, the sources
 * through tsx): signatures made by `node:crypto` for algorithms 13 and 15
 * verify with WebCrypto against the key's own DNSKEY (here, under Deno), so
 * the faster signer signs exactly what a validator checks.
 */
import assert from "node:assert/strict";
import { runModuleUnder } from "../../../tests/_support/node_process.ts";

const SCRIPT = `
import { SIGNS_WITH_NODE_CRYPTO, importNodeSigningKey } from "./apps/udp-node/zone_index/node_signing_key.ts";
import { generateSigningKey } from "./packages/core/dnssec/signing_key.ts";
const out = { native: SIGNS_WITH_NODE_CRYPTO, keys: [] };
for (const algorithm of [13, 15]) {
  const key = await importNodeSigningKey(await generateSigningKey(algorithm));
  const data = new TextEncoder().encode("RRSIG RDATA and RRs " + algorithm);
  const sig = await key.sign(data);
  out.keys.push({ algorithm, dnskey: [...key.dnskey], data: [...data], sig: [...sig] });
}
console.log(JSON.stringify(out));
`;

Deno.test("node signing key: node:crypto signatures (13, 15) verify against the DNSKEY", async () => {
  const r = await runModuleUnder("node", SCRIPT);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.native, true, "under Node the key signs through node:crypto");
  for (const k of out.keys) {
    const dnskey = new Uint8Array(k.dnskey);
    const publicKey = dnskey.slice(4);
    const ecdsa = k.algorithm === 13;
    const params = ecdsa ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
    // RFC 6605 §4: the DNSKEY holds x | y; raw import wants the uncompressed point 04 | x | y.
    const raw = ecdsa ? new Uint8Array([4, ...publicKey]) : publicKey;
    const pub = await crypto.subtle.importKey("raw", raw, params, false, ["verify"]);
    const verify = (sig: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>) =>
      crypto.subtle.verify(
        ecdsa ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" },
        pub,
        sig,
        data,
      );
    const sig = new Uint8Array(k.sig);
    const data = new Uint8Array(k.data);
    assert.equal(sig.length, 64, `algorithm ${k.algorithm}: a 64-octet signature`);
    assert.ok(await verify(sig, data), `algorithm ${k.algorithm} verifies`);
    data[0] ^= 1;
    assert.equal(await verify(sig, data), false, `algorithm ${k.algorithm}: other data fails`);
  }
});
