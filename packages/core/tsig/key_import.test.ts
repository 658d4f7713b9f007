import assert from "node:assert/strict";
import { checkImportedKey, KeyImportError, parseBindKeyFile } from "./key_import.ts";

const SECRET = "BHEJ+HsWR6/eJZmRJAZQieF3S2Z32e0umaO9j0yR/c4=";

function failure(f: () => unknown): KeyImportError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof KeyImportError);
    return e;
  }
  throw new Error("expected a KeyImportError");
}

Deno.test("parseBindKeyFile() reads tsig-keygen output with comments, several keys", () => {
  const keys = parseBindKeyFile(`# primary
key "xfr.example." {
	algorithm hmac-sha256;
	secret "${SECRET}";
};
/* second
   key */ key acme { algorithm HMAC-SHA512; secret "${SECRET}"; }; // trailing
`);
  assert.deepEqual(keys.map((k) => [k.name, k.algorithm, k.secret.length]), [
    ["xfr.example", "hmac-sha256", 32],
    ["acme", "hmac-sha512", 32],
  ]);
});

Deno.test("parseBindKeyFile() refuses broken files, naming the line, never the secret", () => {
  const cases: [string, RegExp][] = [
    [`key "a" { algorithm hmac-sha256; };`, /line 1: key a needs algorithm and secret/],
    [`key "a" { algorithm hmac-sha256; secret "${SECRET}" };`, /expected ";"/],
    [`options { directory "/x"; };`, /line 1: expected a key statement/],
    [`key "a" { algorithm hmac-md5; secret "${SECRET}"; };`, /unsupported algorithm/],
    [
      `key "a" { algorithm hmac-sha256; secret "${SECRET}"; };\nkey "A." { algorithm hmac-sha256; secret "${SECRET}"; };`,
      /line 2: key a appears twice/,
    ],
    [`key "a" { algorithm hmac-sha256; secret "${SECRET}"; foo bar; };`, /unknown key field foo/],
    [`key "a" { secret "${SECRET}`, /unterminated string/],
    [``, /no key statement/],
    [`/* open`, /unterminated comment/],
  ];
  for (const [text, error] of cases) {
    const e = failure(() => parseBindKeyFile(text));
    assert.match(e.message, error, text);
    assert.ok(!e.message.includes(SECRET));
  }
});

Deno.test("checkImportedKey() checks name, algorithm and secret length", () => {
  assert.equal(failure(() => checkImportedKey("a b", "hmac-sha256", SECRET)).field, "name");
  assert.equal(failure(() => checkImportedKey("a", "gss-tsig", SECRET)).field, "algorithm");
  assert.equal(failure(() => checkImportedKey("a", "hmac-sha256", "AAAA")).field, "secret");
  assert.equal(failure(() => checkImportedKey("a", "hmac-sha256", "!!!!")).field, "secret");
  assert.equal(
    failure(() => checkImportedKey("a", "hmac-sha256", "A".repeat(700) + "==")).field,
    "secret",
  );
  assert.equal(checkImportedKey("A.", "hmac-sha1", SECRET).name, "a");
});
