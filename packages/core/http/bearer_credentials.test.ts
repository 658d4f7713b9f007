import assert from "node:assert/strict";
import { bearerCredentials } from "./bearer_credentials.ts";

Deno.test("bearerCredentials() matches the scheme case-insensitively (RFC 9110 §11.1)", () => {
  for (const h of ["Bearer tok", "bearer tok", "BEARER tok", "BeArEr  tok"]) {
    assert.equal(bearerCredentials(h), "tok", h);
  }
});

Deno.test("bearerCredentials() refuses other schemes, missing tokens and glued schemes", () => {
  for (const h of [undefined, null, "", "Bearer", "Bearer ", "Basic dG9r", "Bearertok", "tok"]) {
    assert.equal(bearerCredentials(h), "", String(h));
  }
});
