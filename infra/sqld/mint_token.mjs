#!/usr/bin/env node
// Mints a JWT for a self-hosted sqld started with --auth-jwt-key-file (docs/operators.md,
// "Self-hosted sqld"). Signs with the Ed25519 private key (PKCS#8 PEM, as written by
// `openssl genpkey -algorithm ed25519`) using `jose` from this checkout's node_modules.
//
//   node infra/sqld/mint_token.mjs --key /etc/sqld/jwt-private.pem [--read-only] [--days N]
//
// Prints the token on stdout: DMP_DB_AUTH_TOKEN for the edge API and every udp-node.
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { importPKCS8, SignJWT } from "jose";

const { values } = parseArgs({
  options: {
    key: { type: "string" },
    "read-only": { type: "boolean", default: false },
    days: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || !values.key) {
  process.stdout.write(
    "Usage: mint_token.mjs --key PRIVATE.pem [--read-only] [--days N]\n" +
      "  --read-only  a token that can only read (claim a=ro); default read-write (a=rw)\n" +
      "  --days N     expire after N days (default: no expiry)\n",
  );
  process.exit(values.help ? 0 : 2);
}
const privateKey = await importPKCS8(readFileSync(values.key, "utf8"), "EdDSA");
let jwt = new SignJWT({ a: values["read-only"] ? "ro" : "rw" })
  .setProtectedHeader({ alg: "EdDSA", typ: "JWT" })
  .setIssuedAt();
if (values.days !== undefined) {
  const days = Number(values.days);
  if (!Number.isFinite(days) || days <= 0) {
    process.stderr.write("mint_token.mjs: --days must be a positive number\n");
    process.exit(2);
  }
  jwt = jwt.setExpirationTime(Math.floor(Date.now() / 1000 + days * 86400));
}
process.stdout.write((await jwt.sign(privateKey)) + "\n");
