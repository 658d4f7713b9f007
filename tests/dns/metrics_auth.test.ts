/**
 * The node's `/metrics` needs the operator token when one is set, and reads
 * the bearer scheme case-insensitively (RFC 9110 §11.1; issue 10: `bearer`
 * got a 401).
 */
import assert from "node:assert/strict";
import { startNodeProcess } from "../_support/node_process.ts";

Deno.test({
  name: "node /metrics: operator token required, any case of the Bearer scheme",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const token = "metrics-operator-token";
    const node = await startNodeProcess({ env: { DMP_OPERATOR_TOKEN: token } });
    try {
      const url = `http://127.0.0.1:${node.httpPort}/metrics`;
      for (
        const [auth, status] of [
          [undefined, 401],
          ["Bearer wrong", 401],
          [`Basic ${token}`, 401],
          [`Bearer${token}`, 401],
          [`Bearer ${token}`, 200],
          [`bearer ${token}`, 200],
          [`BEARER ${token}`, 200],
        ] as [string | undefined, number][]
      ) {
        const r = await fetch(url, { headers: auth ? { authorization: auth } : {} });
        assert.equal(r.status, status, String(auth));
        const body = await r.text();
        if (status === 200) assert.match(body, /^dmp_records /m);
      }
    } finally {
      await node.stop();
    }
  },
});
