import assert from "node:assert/strict";
import { RCODE, TYPE } from "../wire/constants.ts";
import { DELEGATIONS_ZONE } from "./testdata/delegations.ts";
import { indexFromMasterFile } from "./testdata/index_from_master_file.ts";

const index = indexFromMasterFile("example.test", DELEGATIONS_ZONE);
const ask = (name: string, type: number) => index.lookup(name, type, 0);

Deno.test("negative_answer: NXDOMAIN and NODATA (RFC 2308 §2.1, §2.2)", () => {
  assert.equal(ask("nothere.example.test", TYPE.A).kind, "nxdomain");
  assert.equal(ask("www.example.test", TYPE.TXT).kind, "nodata");
  assert.equal(ask("example.test", TYPE.TXT).kind, "nodata");
});

Deno.test("negative_answer: NXDOMAIN reached through a CNAME: the chain, the SOA, rcode of the last name (RFC 2308 §2.1, RFC 6604 §3)", () => {
  const r = ask("dangling.example.test", TYPE.A);
  assert.ok(r.kind === "sections");
  assert.equal(r.rcode, RCODE.NXDOMAIN);
  assert.equal(r.aa, true);
  assert.equal(r.soa, "authority");
  assert.deepEqual(r.answer.map((o) => o.owner), ["dangling.example.test"]);
});

Deno.test("negative_answer: NODATA reached through a CNAME carries the SOA (RFC 2308 §2.2)", () => {
  const r = ask("chain1.example.test", TYPE.MX);
  assert.ok(r.kind === "sections");
  assert.equal(r.rcode, RCODE.NOERROR);
  assert.equal(r.soa, "authority");
  assert.equal(r.answer.length, 3);
});
