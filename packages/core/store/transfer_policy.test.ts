import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import {
  deleteTransferPolicy,
  listTransferPolicies,
  normalizeTransferPolicy,
  parseNotifyTarget,
  putTransferPolicy,
  readTransferPolicy,
  transferAllowed,
  TransferPolicyError,
} from "./transfer_policy.ts";
import { upsertZone } from "./zones.ts";

const base = { zone: "example.test", allowKeys: [], allowNets: [], notify: [] };

Deno.test("transferAllowed() refuses without a policy or with an empty one", () => {
  assert.ok(!transferAllowed(undefined, { keyName: "k", address: "127.0.0.1" }));
  assert.ok(!transferAllowed(base, { keyName: "k", address: "127.0.0.1" }));
});

Deno.test("transferAllowed() needs the key AND the network when both are listed", () => {
  const p = { ...base, allowKeys: ["xfr"], allowNets: ["192.0.2.0/24"] };
  assert.ok(transferAllowed(p, { keyName: "XFR.", address: "192.0.2.9" }));
  assert.ok(!transferAllowed(p, { keyName: "xfr", address: "198.51.100.9" }));
  assert.ok(!transferAllowed(p, { address: "192.0.2.9" }));
  assert.ok(!transferAllowed(p, { keyName: "other", address: "192.0.2.9" }));
  const netOnly = { ...base, allowNets: ["192.0.2.0/24"] };
  assert.ok(transferAllowed(netOnly, { address: "192.0.2.9" }));
  assert.ok(!transferAllowed(netOnly, { address: "192.0.3.9" }));
});

Deno.test("normalizeTransferPolicy() canonicalizes and names the bad field", () => {
  const p = normalizeTransferPolicy({
    zone: "Example.Test.",
    allowKeys: ["K1.", "k1"],
    allowNets: ["2001:DB8::/32", "2001:db8::/32"],
    notify: [{ address: "192.0.2.1", port: 53, key: "K1" }, {
      address: "192.0.2.1",
      port: 53,
      key: "",
    }],
  });
  assert.deepEqual(p, {
    zone: "example.test",
    allowKeys: ["k1"],
    allowNets: ["2001:db8::/32"],
    notify: [{ address: "192.0.2.1", port: 53, key: "k1" }],
  });
  const field = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof TransferPolicyError);
      return e.field;
    }
    return "none";
  };
  assert.equal(
    field(() => normalizeTransferPolicy({ ...base, allowNets: ["10.0.0.1/8"] })),
    "allowNets",
  );
  assert.equal(field(() => normalizeTransferPolicy({ ...base, allowKeys: ["a b"] })), "allowKeys");
  assert.equal(
    field(() =>
      normalizeTransferPolicy({ ...base, notify: [{ address: "ns.example", port: 53, key: "" }] })
    ),
    "notify",
  );
  assert.equal(
    field(() =>
      normalizeTransferPolicy({
        ...base,
        allowNets: Array.from({ length: 257 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`),
      })
    ),
    "allowNets",
  );
});

Deno.test("parseNotifyTarget() reads ADDR[:PORT][@KEY] and bracketed IPv6", () => {
  assert.deepEqual(parseNotifyTarget("192.0.2.1"), { address: "192.0.2.1", port: 53, key: "" });
  assert.deepEqual(parseNotifyTarget("192.0.2.1:5300@k"), {
    address: "192.0.2.1",
    port: 5300,
    key: "k",
  });
  assert.deepEqual(parseNotifyTarget("2001:db8::1"), { address: "2001:db8::1", port: 53, key: "" });
  assert.deepEqual(parseNotifyTarget("[2001:db8::1]:53@k"), {
    address: "2001:db8::1",
    port: 53,
    key: "k",
  });
  for (const bad of ["ns1.example", "192.0.2.1:0", "192.0.2.1:70000", "[::1]x", ""]) {
    assert.equal(parseNotifyTarget(bad), null, bad);
  }
});

Deno.test({
  name: "putTransferPolicy() round-trips, needs the zone, and a refused write changes nothing",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      await assert.rejects(
        putTransferPolicy(client, { ...base, allowKeys: ["k"] }, 1),
        TransferPolicyError,
      );
      await upsertZone(client, { name: "example.test" }, 1);
      const p = {
        ...base,
        allowKeys: ["k"],
        allowNets: ["127.0.0.0/8"],
        notify: [{ address: "::1", port: 5300, key: "k" }],
      };
      await putTransferPolicy(client, p, 1);
      assert.deepEqual(await readTransferPolicy(client, "example.test"), p);
      await assert.rejects(putTransferPolicy(client, { ...p, allowNets: ["nope"] }, 2));
      assert.deepEqual(await readTransferPolicy(client, "example.test"), p);
      assert.equal((await listTransferPolicies(client)).length, 1);
      assert.ok(await deleteTransferPolicy(client, "example.test"));
      assert.equal(await readTransferPolicy(client, "example.test"), undefined);
    } finally {
      client.close();
    }
  },
});
