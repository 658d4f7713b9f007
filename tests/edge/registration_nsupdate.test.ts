/**
 * End to end (brief §7 `test_registration_tsig.py`: "HTTP endpoint full flow
 * produces a key that actually authorizes a DNS UPDATE"): register over HTTP
 * on the edge, then the real `nsupdate` with the minted key against a running
 * udp-node sharing the same sqld. Out-of-scope owners are refused, and a key
 * revoked through the operator API stops working within one sync interval.
 */

import assert from "node:assert/strict";
import { dig, txtJoin } from "../_support/dig.ts";
import { type EdgeProcess, startEdge } from "../_support/edge_process.ts";
import { type NodeProcess, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { newIdentity, register, toHex } from "./_client.ts";
import { asOperator, BASE_ENV, nextIp, TSIG_SECRET_KEY, uniq, ZONE } from "./_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

let sqld: SqldProcess;
let edge: EdgeProcess;
let node: NodeProcess;

function keyArg(name: string, secretHex: string): string {
  const bytes = Uint8Array.from(secretHex.match(/../g) ?? [], (h) => parseInt(h, 16));
  return `hmac-sha256:${name}:${btoa(String.fromCharCode(...bytes))}`;
}

async function sha256Hex(s: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))));
}

Deno.test.beforeAll(async () => {
  sqld = await startSqld();
  edge = await startEdge({ runtime: "deno", env: { ...BASE_ENV, DMP_DB_URL: sqld.url } });
  node = await startNodeProcess({
    dbUrl: sqld.url,
    env: { DMP_DNS_UPDATE_ENABLED: "1", DMP_DOMAIN: ZONE, DMP_TSIG_SECRET_KEY: TSIG_SECRET_KEY },
  });
});

Deno.test({
  name:
    "a key minted by tsig-confirm authorizes nsupdate in scope and is refused outside it (brief §2.3, §2.4)",
  ...opts,
  async fn() {
    const id = await newIdentity();
    const local = `ns-${uniq()}`;
    const r = await register(edge.url, { subject: `${local}@${ZONE}`, id, ip: nextIp() });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const key = keyArg(String(r.body.tsig_key_name), String(r.body.tsig_secret_hex));
    const owner = `id-${(await sha256Hex(local)).slice(0, 16)}.${ZONE}`;
    // The node learns new keys from the journal; retry until it has (bounded).
    let last = { code: -1, error: "", output: "" };
    const accepted = await waitFor(async () => {
      last = await nsupdate(node.dnsPort, ZONE, [
        `update add ${owner} 60 TXT "v=dmp1;t=identity;e2e"`,
      ], { key });
      return last.code === 0;
    }, 10000);
    assert.ok(accepted, `nsupdate failed: ${last.output}\n${node.logs().slice(-2000)}`);
    const answer = await dig(node.dnsPort, owner, "TXT");
    assert.equal(answer.status, "NOERROR");
    assert.equal(txtJoin(answer.answer[0]?.data ?? ""), "v=dmp1;t=identity;e2e");
    const outside = await nsupdate(node.dnsPort, ZONE, [
      `update add someone-else.${ZONE} 60 TXT "x"`,
    ], { key });
    assert.notEqual(outside.code, 0);
    assert.equal(outside.error, "REFUSED");

    // Revoked through the operator API: refused on the node within one sync interval.
    const name = String(r.body.tsig_key_name);
    const del = await fetch(
      `${edge.url}/v1/admin/tsig-keys/${name}`,
      asOperator({ method: "DELETE" }),
    );
    assert.equal(del.status, 200);
    await del.body?.cancel();
    const refused = await waitFor(async () => {
      last = await nsupdate(node.dnsPort, ZONE, [`update add ${owner} 60 TXT "after-revoke"`], {
        key,
      });
      return last.code !== 0;
    }, 10000);
    assert.ok(refused, "revoked key still accepted");
    assert.match(last.error, /NOTAUTH/);
  },
});

Deno.test.afterAll(async () => {
  await node?.stop();
  await edge?.stop();
  await sqld?.stop();
});
