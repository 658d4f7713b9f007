import assert from "node:assert/strict";
import { closestEncloser, nameExists } from "./closest_encloser.ts";
import { indexFromMasterFile } from "./testdata/index_from_master_file.ts";
import { RFC4592_ZONE } from "./testdata/rfc4592.ts";

const zone = indexFromMasterFile("example", RFC4592_ZONE).zone("example")!;

Deno.test("closest encloser: RFC 4592 §3.3.1 cases of the §2.2.1 zone", () => {
  // (name that does not exist, its closest encloser) per RFC 4592 §2.2.1's discussion.
  for (
    const [name, encloser] of [
      ["host3.example", "example"],
      ["foo.bar.example", "example"],
      ["_telnet._tcp.host1.example", "_tcp.host1.example"],
      ["ghost.*.example", "*.example"],
      ["a.b.c.host1.example", "host1.example"],
      ["x._tcp.host2.example", "_tcp.host2.example"],
    ]
  ) {
    assert.equal(nameExists(zone, name), false, name);
    assert.equal(closestEncloser(zone, name), encloser, name);
  }
});

Deno.test("closest encloser: empty non-terminals exist (RFC 4592 §2.2.2, RFC 8020)", () => {
  assert.ok(nameExists(zone, "_tcp.host1.example"), "ENT above _ssh._tcp.host1");
  assert.ok(nameExists(zone, "host2.example"), "ENT with no RRs of its own");
  assert.ok(nameExists(zone, "example"), "the apex");
  assert.ok(nameExists(zone, "*.example"), "the wildcard owner is an ordinary existing name");
  assert.ok(!nameExists(zone, "host3.example"));
});
