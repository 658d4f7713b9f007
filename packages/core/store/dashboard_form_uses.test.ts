import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { consumeFormNonce, MAX_FORM_USES } from "./dashboard_form_uses.ts";

Deno.test({
  name: "a form nonce is consumed once, even by racing posts; expired uses are purged",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const use = { nonce: "a".repeat(24), now: 1000, expiresAt: 2000 };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => consumeFormNonce(client, use)),
      );
      assert.deepEqual(results.filter(Boolean).length, 1);
      assert.equal(await consumeFormNonce(client, use), false);
      assert.equal(await consumeFormNonce(client, { ...use, nonce: "b".repeat(24) }), true);
      // After expiry the row is purged by the next use (the session it belonged to is over).
      await consumeFormNonce(client, { nonce: "c".repeat(24), now: 2001, expiresAt: 3000 });
      const left = await client.execute("SELECT COUNT(*) AS n FROM dashboard_form_uses");
      assert.equal(Number(left.rows[0].n), 1);
      assert.ok(MAX_FORM_USES >= 1000);
    } finally {
      client.close();
    }
  },
});
