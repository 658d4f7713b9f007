import assert from "node:assert/strict";
import { RequestRates, ROUTE_CLASS_NAMES, routeClass } from "./request_rates.ts";

const T0 = 1_800_000_000; // divisible by 10 and 60

Deno.test("routeClass() maps paths to a fixed set of classes", () => {
  assert.equal(routeClass("/v1/admin/stats/nodes"), "admin_api");
  assert.equal(routeClass("/admin/overview"), "dashboard");
  assert.equal(routeClass("/v1/registration/challenge"), "registration");
  assert.equal(routeClass("/v1/sync/journal-head"), "sync");
  assert.equal(routeClass("/nodes"), "directory");
  assert.equal(routeClass("/metrics"), "ops");
  // anything an attacker makes up lands in one class: the set never grows
  assert.equal(routeClass("/x/" + "a".repeat(1000)), "other");
  assert.equal(new Set(ROUTE_CLASS_NAMES).size, ROUTE_CLASS_NAMES.length);
});

Deno.test("RequestRates counts per class, rates over the last minute and an hour of minutes", () => {
  const rates = new RequestRates(T0);
  for (let i = 0; i < 30; i++) rates.record("/v1/admin/zones", T0 + i); // 30 in the first 30 s
  rates.record("/nope", T0 + 5);
  let admin = rates.snapshot(T0 + 30).find((c) => c.name === "admin_api")!;
  assert.equal(admin.total, 30);
  assert.equal(admin.perSecond, 1); // 30 over the 30 s since counting started
  assert.equal(admin.perMinute.length, 60);
  assert.equal(admin.perMinute[59], 30);
  assert.equal(rates.snapshot(T0 + 30).find((c) => c.name === "other")!.total, 1);

  // Two minutes later the recent window is empty, the history keeps the minute.
  admin = rates.snapshot(T0 + 150).find((c) => c.name === "admin_api")!;
  assert.equal(admin.total, 30);
  assert.equal(admin.perSecond, 0);
  assert.equal(admin.perMinute.reduce((a, b) => a + b, 0), 30);

  // After more than an hour of silence the history is empty; the total stays.
  admin = rates.snapshot(T0 + 7200).find((c) => c.name === "admin_api")!;
  assert.equal(admin.total, 30);
  assert.ok(admin.perMinute.every((n) => n === 0));
  // A clock that goes back does not clear anything or throw.
  rates.record("/v1/admin/zones", T0 + 7100);
  assert.equal(rates.snapshot(T0 + 7200).find((c) => c.name === "admin_api")!.total, 31);
});
