import assert from "node:assert/strict";
import {
  hostNameSchema,
  ipv4Schema,
  ipv6Schema,
  lifetimeSecondsSchema,
  ttlSecondsSchema,
  uniqueList,
} from "./schemas.ts";
import { BAD_HOST_NAMES, BAD_IPV4, BAD_IPV6 } from "./testdata/invalid_values.ts";

Deno.test("schemas: accept what the validators accept and yield canonical spellings", () => {
  assert.equal(ipv4Schema.parse(" 192.0.2.1 "), "192.0.2.1");
  assert.equal(ipv6Schema.parse("2001:DB8::0:1"), "2001:db8::1");
  assert.equal(hostNameSchema.parse("NS1.Example."), "ns1.example");
  assert.equal(ttlSecondsSchema.parse(60), 60);
  assert.equal(lifetimeSecondsSchema.parse(0), 0);
});

Deno.test("schemas: refuse what the validators refuse, with the validator's message", () => {
  // Leading/trailing blanks are trimmed at the boundary, so skip the texts that differ only there.
  for (const bad of BAD_IPV4.filter((s) => s.trim() === s)) {
    const r = ipv4Schema.safeParse(bad);
    assert.ok(!r.success, bad);
    assert.match(r.error.issues[0].message, /^expected an IPv4 address/);
  }
  for (const bad of BAD_IPV6.filter((s) => s.trim() === s)) {
    assert.ok(!ipv6Schema.safeParse(bad).success, bad);
  }
  for (const bad of BAD_HOST_NAMES) assert.ok(!hostNameSchema.safeParse(bad).success, bad);
  assert.ok(!lifetimeSecondsSchema.safeParse(9007199254740991).success);
  assert.ok(!ttlSecondsSchema.safeParse(2 ** 31).success);
});

Deno.test("uniqueList() names the duplicate after canonicalisation", () => {
  const r = uniqueList(ipv6Schema, 4).safeParse(["2001:db8::1", "2001:DB8:0::1"]);
  assert.ok(!r.success);
  assert.deepEqual(r.error.issues[0].path, [1]);
  assert.equal(r.error.issues[0].message, "duplicate value 2001:db8::1");
  assert.ok(!uniqueList(ipv4Schema, 1).safeParse(["192.0.2.1", "192.0.2.2"]).success);
});
