import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { createSecretBox } from "./secret_box.ts";
import { listTokens, readToken } from "./tokens.ts";
import { listTsigKeys, putTsigKey, readActiveTsigKeys } from "./tsig_keys.ts";

// An integer past 2^53 as an unbounded write left it (issue 12 #8); libSQL refuses to read it
// into a JavaScript number unless the read clamps it.
const HUGE = "9007199254742000";

Deno.test({
  name: "token and TSIG key reads survive rows whose integers are past 2^53 (issue 12 #8)",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      await client.execute(
        `INSERT INTO tokens (token_hash, subject, rate_burst, issued_at, expires_at)
         VALUES ('${"a".repeat(64)}', 'big@example.org', ${HUGE}, 1000, ${HUGE})`,
      );
      const tokens = await listTokens(client);
      assert.equal(tokens.length, 1);
      assert.equal(tokens[0].expiresAt, Number.MAX_SAFE_INTEGER);
      assert.equal(tokens[0].rateBurst, Number.MAX_SAFE_INTEGER);
      assert.equal((await readToken(client, "a".repeat(64)))?.subject, "big@example.org");

      const box = await createSecretBox("3f".repeat(32));
      await putTsigKey(client, box, {
        name: "big.example",
        algorithm: "hmac-sha256",
        secret: new Uint8Array(32).fill(7),
        allowedSuffixes: ["example"],
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, 1000);
      await client.execute(`UPDATE tsig_keys SET expires_at = ${HUGE}, created_at = ${HUGE}`);
      const listed = await listTsigKeys(client);
      assert.equal(listed[0].expiresAt, Number.MAX_SAFE_INTEGER);
      const { keys, unreadable } = await readActiveTsigKeys(client, box, 2000);
      assert.equal(unreadable, 0);
      assert.equal(keys.length, 1, "the node still loads the key");
      assert.deepEqual(keys[0].secret, new Uint8Array(32).fill(7));
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
