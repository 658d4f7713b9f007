import assert from "node:assert/strict";
import { databaseUrl, redactDatabaseUrl } from "./database_url.ts";
import type { Config } from "../../packages/core/config/env.ts";

Deno.test("databaseUrl: DMP_DB_URL wins, else DMP_DB_PATH as a file: URL", () => {
  assert.equal(
    databaseUrl({ DMP_DB_URL: "http://db:8080", DMP_DB_PATH: "x.db" } as Config),
    "http://db:8080",
  );
  assert.equal(
    databaseUrl({ DMP_DB_URL: "", DMP_DB_PATH: "/var/lib/dmp/x.db" } as Config),
    "file:/var/lib/dmp/x.db",
  );
});

Deno.test("redactDatabaseUrl hides tokens and passwords, keeps the rest", () => {
  assert.equal(
    redactDatabaseUrl("libsql://db.example?authToken=s3cr3t&tls=1"),
    "libsql://db.example?authToken=[redacted]&tls=1",
  );
  assert.equal(redactDatabaseUrl("http://h/?TOKEN=abc"), "http://h/?TOKEN=[redacted]");
  assert.equal(
    redactDatabaseUrl("cannot reach https://user:pa55@db.example/x and file:/a.db"),
    "cannot reach https://user:[redacted]@db.example/x and file:/a.db",
  );
  assert.equal(redactDatabaseUrl("file:/var/lib/dmp/node.db"), "file:/var/lib/dmp/node.db");
});
