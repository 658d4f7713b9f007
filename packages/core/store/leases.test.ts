import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { acquireLease, releaseLease } from "./leases.ts";

Deno.test({
  name: "acquireLease() gives the lease to one holder until it expires or is released",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      assert.ok(await acquireLease(client, "notify", "a", 1000, 30));
      assert.ok(!(await acquireLease(client, "notify", "b", 1010, 30)));
      assert.ok(await acquireLease(client, "notify", "a", 1020, 30)); // renewed to 1050
      assert.ok(!(await acquireLease(client, "notify", "b", 1049, 30)));
      assert.ok(await acquireLease(client, "notify", "b", 1050, 30)); // expired: taken over
      assert.ok(!(await acquireLease(client, "notify", "a", 1051, 30)));
      await releaseLease(client, "notify", "a"); // not the holder: no effect
      assert.ok(!(await acquireLease(client, "notify", "a", 1052, 30)));
      await releaseLease(client, "notify", "b");
      assert.ok(await acquireLease(client, "notify", "a", 1053, 30));
      assert.ok(await acquireLease(client, "other", "b", 1053, 30)); // leases are independent
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "acquireLease() lets exactly one of many racing holders win",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, i) => acquireLease(client, "race", `h${i}`, 2000, 30)),
      );
      assert.equal(wins.filter(Boolean).length, 1);
    } finally {
      client.close();
    }
  },
});
