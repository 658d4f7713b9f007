import assert from "node:assert/strict";
import {
  RESPONSE_CLASS,
  RESPONSE_CLASS_NAMES,
  ResponseRateLimiter,
  RRL_VERDICT,
} from "./response_rate_limiter.ts";

const { POSITIVE, NXDOMAIN, ERROR } = RESPONSE_CLASS;

function tally(rrl: ResponseRateLimiter, n: number, addr: (i: number) => string, now = 0) {
  const out = { send: 0, drop: 0, slip: 0 };
  for (let i = 0; i < n; i++) {
    const v = rrl.check(addr(i), POSITIVE, 0xabcdef01, now);
    if (v === RRL_VERDICT.SEND) out.send++;
    else if (v === RRL_VERDICT.DROP) out.drop++;
    else out.slip++;
  }
  return out;
}

Deno.test("a /24 gets `rate` answers a second per name; every slip-th limited one is TC", () => {
  const rrl = new ResponseRateLimiter({ rate: 5, slip: 2, slots: 1024 });
  // Spoofed sources spread over the victim's /24 are one key.
  const t = tally(rrl, 105, (i) => `198.51.100.${i % 256}`);
  assert.deepEqual(t, { send: 5, drop: 50, slip: 50 });
  // The next second refills `rate` tokens.
  assert.equal(tally(rrl, 5, () => "198.51.100.9", 1).send, 5);
  assert.equal(tally(rrl, 1, () => "198.51.100.9", 1).send, 0);
});

Deno.test("keys: other networks, names, classes and IPv6 /56 are separate buckets", () => {
  const rrl = new ResponseRateLimiter({ rate: 1, slip: 0, slots: 1024 });
  assert.equal(rrl.check("198.51.100.1", POSITIVE, 1, 0), RRL_VERDICT.SEND);
  assert.equal(rrl.check("198.51.100.2", POSITIVE, 1, 0), RRL_VERDICT.DROP, "same /24");
  assert.equal(rrl.check("198.51.101.1", POSITIVE, 1, 0), RRL_VERDICT.SEND, "another /24");
  assert.equal(rrl.check("198.51.100.1", POSITIVE, 2, 0), RRL_VERDICT.SEND, "another name");
  assert.equal(rrl.check("198.51.100.1", NXDOMAIN, 1, 0), RRL_VERDICT.SEND, "another class");
  assert.equal(rrl.check("198.51.100.1", ERROR, 0, 0), RRL_VERDICT.SEND);
  assert.equal(rrl.check("198.51.100.1", ERROR, 0, 0), RRL_VERDICT.DROP, "slip 0 never slips");
  assert.equal(rrl.check("2001:db8:0:ab00::1", POSITIVE, 1, 0), RRL_VERDICT.SEND);
  assert.equal(rrl.check("2001:db8:0:abff:1::9", POSITIVE, 1, 0), RRL_VERDICT.DROP, "same /56");
  assert.equal(rrl.check("2001:db8:0:ac00::1", POSITIVE, 1, 0), RRL_VERDICT.SEND, "another /56");
});

Deno.test("10^6 spoofed sources neither grow the table nor reset the victim's bucket", () => {
  const rrl = new ResponseRateLimiter({ rate: 10, slip: 0, slots: 4096 });
  let victimSent = 0;
  // The reflection target is queried all the time while a million other /24s pass through.
  for (let i = 0; i < 1_000_000; i++) {
    const a = `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.1`;
    rrl.check(a, POSITIVE, 7, 0);
    if (i % 100 === 0 && rrl.check("192.0.2.1", POSITIVE, 7, 0) === RRL_VERDICT.SEND) {
      victimSent++;
    }
  }
  // A frozen clock: one burst, however the spoofed keys churn the table.
  assert.equal(victimSent, 10);
});

Deno.test("rate 0 disables RRL", () => {
  const rrl = new ResponseRateLimiter({ rate: 0, slip: 2, slots: 65536 });
  assert.ok(rrl.disabled);
  assert.equal(tally(rrl, 1000, () => "198.51.100.1").send, 1000);
});

Deno.test("referral and wildcard classes have buckets of their own and metric names", () => {
  const rrl = new ResponseRateLimiter({ rate: 1, slip: 0, slots: 1024 });
  const { REFERRAL, WILDCARD } = RESPONSE_CLASS;
  assert.equal(RESPONSE_CLASS_NAMES[REFERRAL], "referral");
  assert.equal(RESPONSE_CLASS_NAMES[WILDCARD], "wildcard");
  // One key each: the first response is sent, the second in the same second is dropped.
  for (const cls of [REFERRAL, WILDCARD]) {
    assert.equal(rrl.check("192.0.2.1", cls, 42, 100), RRL_VERDICT.SEND);
    assert.equal(rrl.check("192.0.2.9", cls, 42, 100), RRL_VERDICT.DROP, "same /24, same key");
  }
  // Same name hash under another class is another bucket.
  assert.equal(rrl.check("192.0.2.1", RESPONSE_CLASS.POSITIVE, 42, 100), RRL_VERDICT.SEND);
});
