import assert from "node:assert/strict";
import { TYPE } from "../wire/constants.ts";
import { indexFromMasterFile, owners } from "./testdata/index_from_master_file.ts";
import { RFC4592_ZONE } from "./testdata/rfc4592.ts";
import { isWildcardOwner } from "./wildcard.ts";

const index = indexFromMasterFile("example", RFC4592_ZONE);
const ask = (name: string, type: number) => index.lookup(name, type, 0);

Deno.test("wildcard: RFC 4592 §2.2.1 synthesized answers take the query name as owner", () => {
  assert.deepEqual(owners(ask("host3.example", TYPE.MX), "host3.example"), [
    ["host3.example", TYPE.MX],
  ]);
  assert.deepEqual(owners(ask("foo.bar.example", TYPE.TXT), "foo.bar.example"), [
    ["foo.bar.example", TYPE.TXT],
  ]);
  const r = ask("host3.example", TYPE.MX);
  assert.ok(r.kind === "answer");
  // The RRset's owner is the pointer to the question (C0 0C): the owner is rewritten.
  assert.deepEqual([...r.rrsets[0].wire.subarray(0, 2)], [0xc0, 0x0c]);
});

Deno.test("wildcard: RFC 4592 §2.2.1 no synthesis at existing names, ENTs, or below a non-wildcard encloser", () => {
  assert.equal(ask("host1.example", TYPE.MX).kind, "nodata", "host1 exists: no synthesis");
  assert.equal(ask("sub.*.example", TYPE.MX).kind, "nodata", "an existing name under *");
  assert.equal(ask("_tcp.host1.example", TYPE.TXT).kind, "nodata", "an empty non-terminal");
  assert.equal(ask("_telnet._tcp.host1.example", TYPE.SRV).kind, "nxdomain", "no *._tcp.host1");
  assert.equal(ask("ghost.*.example", TYPE.MX).kind, "nxdomain", "no *.*.example");
  assert.equal(ask("host.subdel.example", TYPE.A).kind, "sections", "below a cut: referral");
});

Deno.test("wildcard: NODATA when the source of synthesis lacks the type (RFC 4592 §3.3.1)", () => {
  assert.equal(ask("host3.example", TYPE.A).kind, "nodata");
});

Deno.test("wildcard: ANY at a wildcard answers every RRset of the source, under the query name", () => {
  const r = ask("host3.example", TYPE.ANY);
  assert.ok(r.kind === "answer");
  assert.deepEqual(r.rrsets.map((s) => s.type).sort(), [TYPE.MX, TYPE.TXT].sort());
});

Deno.test("wildcard: a query for the wildcard owner itself is an exact match (RFC 4592 §2.1.1)", () => {
  assert.deepEqual(owners(ask("*.example", TYPE.TXT), "*.example"), [["*.example", TYPE.TXT]]);
  assert.ok(isWildcardOwner("*.example") && isWildcardOwner("*"));
  assert.ok(!isWildcardOwner("sub.*.example") && !isWildcardOwner("a*.example"));
});

Deno.test("wildcard: added and removed by journal patches, counted per zone", () => {
  const z = index.zone("example")!;
  assert.equal(z.wildcards, 1);
  const patched = indexFromMasterFile("example", RFC4592_ZONE);
  patched.replaceNames("example", ["*.example"], []);
  assert.equal(patched.zone("example")!.wildcards, 0);
  assert.equal(patched.lookup("host3.example", TYPE.MX, 0).kind, "nxdomain");
  patched.replaceNames("example", [], [{
    id: 99,
    zone: "example",
    name: "*.example",
    type: "TXT",
    value: "back",
    ttl: 60,
    createdAt: 0,
    expiresAt: 0,
  }]);
  assert.equal(patched.lookup("host3.example", TYPE.TXT, 0).kind, "answer");
});
