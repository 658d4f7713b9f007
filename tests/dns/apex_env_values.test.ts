/**
 * Issue 10: `DMP_DNS_APEX_A=999.1.1.1` used to start a node that silently
 * served no A record. The apex variables go through the core validators, so a
 * bad value stops `dmp node` with a message naming the variable, and a good
 * one (AAAA in any RFC 4291 spelling) is served.
 */
import assert from "node:assert/strict";
import { dig } from "../_support/dig.ts";
import { startNodeProcess } from "../_support/node_process.ts";

const ZONE_ENV = { DMP_DOMAIN: "apex.test", DMP_DNS_APEX_NS: "ns1.apex.test" };

Deno.test({
  name: "dmp node refuses bad apex values, naming the variable",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { DMP_DNS_APEX_A: "999.1.1.1" },
        /DMP_DNS_APEX_A="999\.1\.1\.1" is invalid: expected an IPv4/,
      ],
      [{ DMP_DNS_APEX_A: "01.2.3.4" }, /DMP_DNS_APEX_A="01\.2\.3\.4" is invalid: expected an IPv4/],
      [{ DMP_DNS_APEX_AAAA: ":::" }, /DMP_DNS_APEX_AAAA=":::" is invalid: expected an IPv6/],
      [{ DMP_DNS_APEX_NS: "ns1..apex.test" }, /DMP_DNS_APEX_NS=.* is invalid: expected a domain/],
    ];
    for (const [env, message] of cases) {
      await assert.rejects(
        startNodeProcess({ env: { ...ZONE_ENV, ...env } }),
        (e: Error) => {
          assert.match(e.message, /node exited before it was up/);
          assert.match(e.message, message);
          return true;
        },
      );
    }
  },
});

Deno.test({
  name: "dmp node serves valid apex A and AAAA (AAAA in canonical form)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const node = await startNodeProcess({
      env: { ...ZONE_ENV, DMP_DNS_APEX_A: "192.0.2.10", DMP_DNS_APEX_AAAA: "2001:DB8:0:0::a" },
    });
    try {
      const a = await dig(node.dnsPort, "apex.test", "A");
      assert.deepEqual(a.answer.map((r) => r.data), ["192.0.2.10"]);
      const aaaa = await dig(node.dnsPort, "apex.test", "AAAA");
      assert.deepEqual(aaaa.answer.map((r) => r.data), ["2001:db8::a"]);
    } finally {
      await node.stop();
    }
  },
});
