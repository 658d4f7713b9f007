import assert from "node:assert/strict";
import {
  acmeScopeZone,
  isAcmeChallengeName,
  parseScopeEntry,
  parseScopeList,
} from "./acme_scope.ts";
import { scopeAllows } from "./scope.ts";

const ACME = ["acme:example.com"];

Deno.test("acme scope: TXT at _acme-challenge names of its zone, adds and deletes", () => {
  for (const owner of ["_acme-challenge.example.com", "_acme-challenge.www.example.com"]) {
    assert.ok(scopeAllows(ACME, owner, "add", "TXT"), owner);
    assert.ok(scopeAllows(ACME, owner, "delete", "TXT"), owner);
  }
  assert.ok(scopeAllows(ACME, "_ACME-Challenge.a.b.Example.COM.", "add", "TXT"));
});

Deno.test("acme scope: nothing else (names, types, deletes of every RRset, other zones)", () => {
  const refused: [string, "add" | "delete", string | undefined][] = [
    ["www.example.com", "add", "TXT"],
    ["example.com", "add", "TXT"],
    ["x._acme-challenge.example.com", "add", "TXT"],
    ["_acme-challenge-x.example.com", "add", "TXT"],
    ["_acme-challenge.example.org", "add", "TXT"],
    ["_acme-challenge.badexample.com", "add", "TXT"],
    ["_acme-challenge.www.example.com", "add", "CNAME"],
    ["_acme-challenge.www.example.com", "add", "A"],
    ["_acme-challenge.www.example.com", "delete", "ANY"],
    ["_acme-challenge.www.example.com", "delete", "CNAME"],
    ["_acme-challenge.www.example.com", "add", undefined],
    // Read as a plain suffix, `acme:example.com` would cover this owner.
    ["x.acme:example.com", "add", "TXT"],
    ["_acme-challenge.acme:example.com", "add", "TXT"],
  ];
  for (const [owner, op, type] of refused) {
    assert.equal(scopeAllows(ACME, owner, op, type), false, `${op} ${type} ${owner}`);
  }
});

Deno.test("acme scope: plain suffixes beside it keep their own rules", () => {
  const both = ["acme:example.com", "id-1.example.com"];
  assert.ok(scopeAllows(both, "id-1.example.com", "add", "TXT"));
  assert.ok(scopeAllows(both, "id-1.example.com", "delete", "ANY"));
  assert.ok(!scopeAllows(both, "www.example.com", "add", "TXT"));
});

Deno.test("acme scope: entry parsing", () => {
  assert.equal(acmeScopeZone("ACME:Example.com."), "example.com");
  assert.equal(acmeScopeZone("example.com"), undefined);
  assert.ok(isAcmeChallengeName("_acme-challenge.example.com", "example.com."));
  assert.ok(!isAcmeChallengeName("_acme-challenge", ""));
  assert.deepEqual(parseScopeEntry(" acme:Example.com. "), { ok: true, entry: "acme:example.com" });
  assert.deepEqual(parseScopeEntry("slot-*.mb-*.Example.com"), {
    ok: true,
    entry: "slot-*.mb-*.example.com",
  });
  for (const bad of ["acme:", "acme:*.example.com", "acme:a:b.example", "a b.example", "x:y.z"]) {
    const r = parseScopeEntry(bad);
    assert.equal(r.ok, false, bad);
  }
  assert.deepEqual(parseScopeList(["b.example", "acme:a.example", "b.example."]), {
    ok: true,
    entries: ["acme:a.example", "b.example"],
  });
  const bad = parseScopeList("a.example,acme:");
  assert.ok(!bad.ok && /acme:ZONE needs a zone name/.test(bad.error));
});
