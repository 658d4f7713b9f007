/**
 * Issue 10: the operator API took only TXT/A/AAAA/NS. It now takes every
 * type a master file may hold (but SOA), read by the master-file parser's
 * code, and a udp-node on the same database serves what was written — checked
 * with dig over real sockets.
 */
import assert from "node:assert/strict";
import { dig } from "../_support/dig.ts";
import { startEdge } from "../_support/edge_process.ts";
import { freshDatabase, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { asOperator, BASE_ENV, jsonInit } from "./_targets.ts";
import { RDATA_TEXT_TYPES } from "../../packages/core/zone/master_file.ts";

Deno.test({
  name: "operator API writes CNAME/MX/SRV/CAA (and the rest); the node serves them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    const zone = "types.test";
    const edge = await startEdge({
      runtime: "deno",
      env: { ...BASE_ENV, DMP_DB_URL: db.url, DMP_DOMAIN: zone },
    });
    const node = await startNodeProcess({ dbUrl: db.url, dir: db.dir });
    const op = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`${edge.url}${path}`, asOperator(jsonInit(method, body)));
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    };
    try {
      assert.equal(
        (await op("POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] })).status,
        201,
      );
      const writes: [string, string, string, string][] = [
        // name, type, value as sent, what dig prints
        [`www.${zone}`, "CNAME", `Host.${zone}.`, `host.${zone}.`],
        [zone, "MX", `10 Mail.${zone}`, `10 mail.${zone}.`],
        [`_sip._udp.${zone}`, "SRV", `0 5 5060 sip.${zone}.`, `0 5 5060 sip.${zone}.`],
        [zone, "CAA", '0 issue "ca.example"', '0 issue "ca.example"'],
        [`host.${zone}`, "AAAA", "2001:DB8:0::7", "2001:db8::7"],
        [`host.${zone}`, "A", "192.0.2.7", "192.0.2.7"],
      ];
      for (const [name, type, value] of writes) {
        const r = await op("POST", `/v1/admin/zones/${zone}/records`, {
          name,
          type,
          value,
          ttl: 300,
        });
        assert.deepEqual(r, { status: 201, body: { ok: true } }, `${type} ${value}`);
      }
      for (const [name, type, , shown] of writes) {
        let last = "";
        const served = await waitFor(async () => {
          const d = await dig(node.dnsPort, name, type);
          last = JSON.stringify(d);
          return d.answer.some((r) => r.type === type && r.data === shown);
        }, 10000);
        assert.ok(served, `${name} ${type}: ${last}`);
      }

      // Values are judged by the same code as master files, and the 400 says why.
      const bad: [string, string, RegExp][] = [
        ["MX", "10", /^value: MX record needs 2 RDATA field\(s\), got 1$/],
        ["SRV", "0 5 70000 sip.types.test", /^value: SRV port 70000 is larger than 65535$/],
        ["CAA", "0 is-sue x", /^value: CAA tag "is-sue" must be ASCII letters and digits$/],
        ["MX", `10 mail.${zone}\n$INCLUDE /etc/passwd`, /^value: control characters/],
        ["CNAME", "-bad.example", /^value: CNAME target "-bad\.example": expected a domain/],
      ];
      for (const [type, value, message] of bad) {
        const r = await op("POST", `/v1/admin/zones/${zone}/records`, {
          name: `bad.${zone}`,
          type,
          value,
        });
        assert.equal(r.status, 400, `${type} ${value}`);
        assert.match(r.body.error, message);
      }
      assert.deepEqual(
        await op("POST", `/v1/admin/zones/${zone}/records`, {
          name: zone,
          type: "SOA",
          value: "x",
        }),
        {
          status: 400,
          body: {
            error: `type: Invalid option: expected one of ${
              RDATA_TEXT_TYPES.map((t) => `"${t}"`).join("|")
            }`,
          },
        },
      );

      // RFC 2181 §10.1: a CNAME is alone at its name, both ways round.
      const cnameOverData = await op("POST", `/v1/admin/zones/${zone}/records`, {
        name: `host.${zone}`,
        type: "CNAME",
        value: `www.${zone}`,
      });
      assert.equal(cnameOverData.status, 409);
      assert.match(cnameOverData.body.error, /holds a (A|AAAA) record; a CNAME cannot share/);
      const dataOverCname = await op("POST", `/v1/admin/zones/${zone}/records`, {
        name: `www.${zone}`,
        type: "TXT",
        value: "x",
      });
      assert.equal(dataOverCname.status, 409);

      // Deleting by value reads the value the same way (the stored spelling is canonical).
      assert.equal(
        (await op("DELETE", `/v1/admin/zones/${zone}/records`, {
          name: zone,
          type: "MX",
          value: `10 MAIL.${zone}.`,
        })).status,
        204,
      );
      const list = await op("GET", `/v1/admin/zones/${zone}/records`, undefined);
      const rows = list.body.records as { type: string }[];
      assert.ok(!rows.some((r) => r.type === "MX"), JSON.stringify(rows));
      assert.ok(rows.some((r) => r.type === "CAA"));
    } finally {
      await node.stop();
      await edge.stop();
      db.client.close();
      await Deno.remove(db.dir, { recursive: true }).catch(() => {});
    }
  },
});
