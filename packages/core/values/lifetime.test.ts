import assert from "node:assert/strict";
import { isLifetimeSeconds, MAX_LIFETIME_SECONDS } from "./lifetime.ts";

Deno.test("isLifetimeSeconds() keeps now + lifetime far inside 2^53 (issue 12 #8)", () => {
  assert.ok(isLifetimeSeconds(0) && isLifetimeSeconds(MAX_LIFETIME_SECONDS));
  assert.ok(!isLifetimeSeconds(Number.MAX_SAFE_INTEGER));
  assert.ok(!isLifetimeSeconds(MAX_LIFETIME_SECONDS + 1));
  assert.ok(!isLifetimeSeconds(-1) && !isLifetimeSeconds(1.5) && !isLifetimeSeconds(NaN));
  // The bound's purpose: an expiry computed from it is an exact integer for centuries.
  assert.ok(Number.isSafeInteger(4_000_000_000 + MAX_LIFETIME_SECONDS));
});
