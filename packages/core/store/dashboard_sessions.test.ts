import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import type { SqlClient } from "./sql_client.ts";
import {
  closeDashboardSession,
  isDashboardSessionOpen,
  MAX_DASHBOARD_SESSIONS,
  openDashboardSession,
} from "./dashboard_sessions.ts";

async function count(client: SqlClient): Promise<number> {
  const r = await client.execute("SELECT COUNT(*) AS n FROM dashboard_sessions");
  return Number(r.rows[0].n);
}

Deno.test("a dashboard session is open until it expires or is closed; only its hash is stored", async () => {
  const { client } = await freshDatabase();
  await openDashboardSession(client, { nonce: "nonce-a", expiresAt: 2000, now: 1000 });
  await openDashboardSession(client, { nonce: "nonce-b", expiresAt: 2000, now: 1000 });
  assert.ok(await isDashboardSessionOpen(client, "nonce-a", 1999));
  assert.ok(!await isDashboardSessionOpen(client, "nonce-a", 2000));
  assert.ok(!await isDashboardSessionOpen(client, "nonce-c", 1000));
  const stored = await client.execute("SELECT nonce_hash FROM dashboard_sessions");
  assert.equal(stored.rows.length, 2);
  for (let i = 0; i < stored.rows.length; i++) {
    assert.match(String(stored.rows[i].nonce_hash), /^[0-9a-f]{64}$/);
  }
  await closeDashboardSession(client, "nonce-a");
  assert.ok(!await isDashboardSessionOpen(client, "nonce-a", 1500));
  assert.ok(await isDashboardSessionOpen(client, "nonce-b", 1500), "closing one leaves the others");
  // Expired rows go at the next sign-in.
  await openDashboardSession(client, { nonce: "nonce-d", expiresAt: 9000, now: 3000 });
  assert.equal(await count(client), 1);
  client.close();
});

Deno.test("the table is bounded: a sign-in past the cap ends the oldest session", async () => {
  const { client } = await freshDatabase();
  const stmts = [];
  for (let i = 0; i < MAX_DASHBOARD_SESSIONS; i++) {
    stmts.push({
      sql: "INSERT INTO dashboard_sessions (nonce_hash, expires_at) VALUES (?, ?)",
      args: [`h${i}`, 5000 + i],
    });
  }
  await client.batch(stmts, "write");
  await openDashboardSession(client, { nonce: "newest", expiresAt: 9000, now: 1000 });
  assert.equal(await count(client), MAX_DASHBOARD_SESSIONS);
  assert.ok(await isDashboardSessionOpen(client, "newest", 1000));
  const oldest = await client.execute("SELECT 1 FROM dashboard_sessions WHERE nonce_hash = 'h0'");
  assert.equal(oldest.rows.length, 0);
  client.close();
});
