import assert from "node:assert/strict";
import { claimOf, classifyName, subjectClaims, subjectMayWrite } from "./name_ownership.ts";

Deno.test("classifyName() follows the multi-tenant table (brief §1.5)", () => {
  const h16 = "0123456789abcdef";
  const h12 = "0123456789ab";
  const cases: [string, string][] = [
    [`dmp.alice.example.com`, "owner_subject"],
    [`rotate.dmp.alice.example.com`, "owner_subject"],
    [`rotate.dmp.id-${h12}.example.com`, "operator_only"],
    [`id-${h16}.example.com`, "owner_identity"],
    [`id-${h12}.example.com`, "operator_only"],
    [`prekeys.id-${h12}.example.com`, "owner_identity"],
    [`pk-3.${h12}.example.com`, "owner_prekey"],
    [`slot-0.mb-${h12}.example.com`, "shared_pool"],
    [`chunk-0001-${h12}.example.com`, "shared_pool"],
    [`cluster.example.com`, "operator_only"],
    [`Slot-0.MB-${h12.toUpperCase()}.example.com.`, "shared_pool"],
    [`_dnsmesh-heartbeat.example.com`, "unknown"],
    [`a..example.com`, "unknown"],
    [`single`, "unknown"],
    [`bücher.example`, "unknown"],
  ];
  for (const [name, kind] of cases) assert.equal(classifyName(name).kind, kind, name);
});

Deno.test("subjectClaims(): one claim shared by the same local part on another domain (issue 12 #1)", async () => {
  const zone = "example.com";
  const alice = await subjectClaims(
    { subject: "alice@example.com", local: "alice", domain: "example.com" },
    zone,
  );
  const mallory = await subjectClaims(
    { subject: "alice@attacker.test", local: "alice", domain: "attacker.test" },
    zone,
  );
  const shared = alice.filter((c) => mallory.includes(c));
  assert.equal(shared.length, 1);
  assert.match(shared[0], /^id-[0-9a-f]{12}\.example\.com$/);
  const bob = await subjectClaims(
    { subject: "bob@attacker.test", local: "bob", domain: "attacker.test" },
    zone,
  );
  assert.equal(alice.filter((c) => bob.includes(c)).length, 0);
});

Deno.test("subjectClaims(): x@y.zone and x.y@zone both claim dmp.x.y.zone (issue 12 #3)", async () => {
  const a = await subjectClaims({ subject: "x@y.zone", local: "x", domain: "y.zone" }, "zone");
  const b = await subjectClaims({ subject: "x.y@zone", local: "x.y", domain: "zone" }, "zone");
  assert.deepEqual(a.filter((c) => b.includes(c)), ["dmp.x.y.zone"]);
});

Deno.test("subjectMayWrite(): a subject writes only names it derives; claimOf() names the claim", async () => {
  const opts = { subjectHash12: "", op: "add" as const };
  const dmp = classifyName("dmp.x.y.zone");
  assert.ok(await subjectMayWrite(dmp, { ...opts, subject: "x@y.zone" }));
  assert.ok(await subjectMayWrite(dmp, { ...opts, subject: "x.y@zone" }));
  assert.ok(!await subjectMayWrite(dmp, { ...opts, subject: "x@zone" }));
  assert.equal(claimOf(dmp), "dmp.x.y.zone");
  const h = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("alice"))),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const id = classifyName(`id-${h.slice(0, 16)}.example.com`);
  assert.ok(await subjectMayWrite(id, { ...opts, subject: "alice@example.com" }));
  assert.ok(!await subjectMayWrite(id, { ...opts, subject: "alice@attacker.test" }));
  assert.equal(claimOf(id), `id-${h.slice(0, 12)}.example.com`);
  assert.equal(claimOf(classifyName("slot-1.mb-0123456789ab.zone")), undefined);
});
