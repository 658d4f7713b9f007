import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../packages/core/config/env.ts";
import { assertBindAllowed, authMode, isLoopbackBind } from "./auth_mode.ts";
import { registrationEnabled } from "./routes/registration/registration_secrets.ts";

Deno.test("authMode() is open without a token, legacy with one, else DMP_AUTH_MODE (brief §1.5)", () => {
  assert.equal(authMode(loadConfig({})), "open");
  assert.equal(authMode(loadConfig({ DMP_HTTP_TOKEN: "t" })), "legacy");
  assert.equal(authMode(loadConfig({ DMP_AUTH_MODE: "multi-tenant" })), "multi-tenant");
});

Deno.test("isLoopbackBind() treats '', '0', 0.0.0.0, ::, names and public IPs as public (brief §1.1)", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1"]) {
    assert.ok(isLoopbackBind(h), h);
  }
  for (
    const h of [
      "",
      "0",
      "0.0.0.0",
      "::",
      "example.com",
      "192.0.2.1",
      "127.0.0.300",
      "127.000.0.1",
      "127.1",
    ]
  ) {
    assert.ok(!isLoopbackBind(h), h);
  }
});

Deno.test("assertBindAllowed() refuses open mode on a public bind unless allowed (brief §1.1)", () => {
  assert.throws(() => assertBindAllowed(loadConfig({}), "0.0.0.0"), ConfigError);
  assert.throws(() => assertBindAllowed(loadConfig({}), undefined), ConfigError);
  assertBindAllowed(loadConfig({ DMP_ALLOW_OPEN_PUBLIC_BIND: "yes" }), "0.0.0.0");
  assertBindAllowed(loadConfig({ DMP_OPERATOR_TOKEN: "t" }), "0.0.0.0");
  assertBindAllowed(loadConfig({}), "127.0.0.1");
});

Deno.test("DMP_REGISTRATION_ENABLED is case-sensitive like the reference (brief §1.11)", () => {
  const base = { DMP_AUTH_MODE: "multi-tenant", DMP_NODE_HOSTNAME: "n.example" };
  assert.ok(
    registrationEnabled(loadConfig({ ...base, DMP_REGISTRATION_ENABLED: "true" }), "multi-tenant"),
  );
  assert.ok(
    !registrationEnabled(loadConfig({ ...base, DMP_REGISTRATION_ENABLED: "TRUE" }), "multi-tenant"),
  );
  assert.ok(!registrationEnabled(loadConfig({ ...base, DMP_REGISTRATION_ENABLED: "1" }), "legacy"));
  assert.ok(!registrationEnabled(loadConfig({ DMP_REGISTRATION_ENABLED: "1" }), "multi-tenant"));
});
