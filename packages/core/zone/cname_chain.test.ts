import assert from "node:assert/strict";
import { RCODE, TYPE } from "../wire/constants.ts";
import { MAX_CNAME_CHAIN } from "./cname_chain.ts";
import { DELEGATIONS_ZONE } from "./testdata/delegations.ts";
import { indexFromMasterFile, owners } from "./testdata/index_from_master_file.ts";

const index = indexFromMasterFile("example.test", DELEGATIONS_ZONE);
const ask = (name: string, type: number) => index.lookup(name, type, 0);

Deno.test("cname_chain: an in-zone chain is followed to the data (RFC 1034 §4.3.2 step 3.a)", () => {
  assert.deepEqual(owners(ask("chain1.example.test", TYPE.A), "chain1.example.test"), [
    ["chain1.example.test", TYPE.CNAME],
    ["chain2.example.test", TYPE.CNAME],
    ["alias.example.test", TYPE.CNAME],
    ["www.example.test", TYPE.A],
  ]);
});

Deno.test("cname_chain: a CNAME query gets the CNAME alone", () => {
  assert.deepEqual(owners(ask("chain1.example.test", TYPE.CNAME), "chain1.example.test"), [
    ["chain1.example.test", TYPE.CNAME],
  ]);
});

Deno.test("cname_chain: stops at the zone edge, at a loop, at the apex SOA", () => {
  const out = ask("out.example.test", TYPE.A);
  assert.ok(out.kind === "sections" && out.rcode === RCODE.NOERROR && out.soa === "none");
  assert.deepEqual(owners(out, ""), [["out.example.test", TYPE.CNAME]]);
  assert.deepEqual(owners(ask("loop1.example.test", TYPE.A), ""), [
    ["loop1.example.test", TYPE.CNAME],
    ["loop2.example.test", TYPE.CNAME],
  ]);
  const soa = ask("toapex.example.test", TYPE.SOA);
  assert.ok(soa.kind === "sections" && soa.soa === "answer");
});

Deno.test("cname_chain: into a cut, the referral follows the CNAME with AA set (as NSD)", () => {
  const r = ask("tocut.example.test", TYPE.A);
  assert.ok(r.kind === "sections");
  assert.equal(r.aa, true, "the first owner is ours");
  assert.deepEqual(owners(r, ""), [["tocut.example.test", TYPE.CNAME]]);
  assert.deepEqual(r.authority.map((o) => o.owner), ["sub.example.test"]);
  assert.deepEqual(r.additional.map((o) => o.owner), ["ns1.sub.example.test"]);
});

Deno.test("cname_chain: a chain longer than MAX_CNAME_CHAIN stops there", () => {
  const n = MAX_CNAME_CHAIN + 4;
  let text = "$ORIGIN long.test.\n@ 300 IN SOA ns. h. 1 2 3 4 5\n";
  for (let i = 0; i < n; i++) text += `c${i} 300 IN CNAME c${i + 1}\n`;
  text += `c${n} 300 IN A 192.0.2.1\n`;
  const r = indexFromMasterFile("long.test", text).lookup("c0.long.test", TYPE.A, 0);
  assert.ok(r.kind === "sections");
  assert.equal(r.answer.length, MAX_CNAME_CHAIN);
  assert.ok(r.answer.every((o) => o.set.type === TYPE.CNAME));
});
