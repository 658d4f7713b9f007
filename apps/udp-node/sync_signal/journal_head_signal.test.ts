import assert from "node:assert/strict";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { JournalHeadSignal } from "./journal_head_signal.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A real HTTP server on 127.0.0.1 answering with `answer`; records every request. */
function serve(answer: (req: Request) => Response | Promise<Response>) {
  const seen: { after: string | null; authorization: string | null }[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    (req) => {
      seen.push({
        after: new URL(req.url).searchParams.get("after"),
        authorization: req.headers.get("authorization"),
      });
      return answer(req);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/v1/sync/journal-head`,
    seen,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

function subject(url: string, applied: () => number, onChange: () => void) {
  const lines: string[] = [];
  const metrics = new MetricsRegistry();
  const signal = new JournalHeadSignal({
    url,
    token: "tok",
    appliedSeq: applied,
    onChange,
    logger: createLogger({ name: "t", level: "INFO", format: "text", sink: (l) => lines.push(l) }),
    metrics,
  });
  return { signal, lines, metrics };
}

Deno.test({
  name: "JournalHeadSignal wakes once per new head, asking after the larger of applied and seen",
  ...opts,
  async fn() {
    let head = 5;
    const srv = serve(async (req) => {
      const after = Number(new URL(req.url).searchParams.get("after"));
      // Hold like the edge does while nothing changed.
      if (head <= after) await new Promise((r) => setTimeout(r, 100));
      return Response.json({ head });
    });
    let changes = 0;
    const { signal, metrics } = subject(srv.url, () => 3, () => changes++);
    try {
      signal.start();
      assert.ok(await until(() => changes === 1));
      assert.equal(srv.seen[0].authorization, "Bearer tok");
      assert.equal(srv.seen[0].after, "3");
      // The node has not applied 5 yet: it is not woken again for the same head.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(changes, 1);
      assert.equal(srv.seen.at(-1)!.after, "5");
      head = 6;
      assert.ok(await until(() => changes === 2));
      assert.equal(metrics.value("dmp_sync_signals_total", { result: "changed" }), 2);
    } finally {
      await signal.stop();
      await srv.close();
    }
  },
});

Deno.test({
  name: "JournalHeadSignal treats 401, junk and oversized answers as errors: no wake, one warning",
  ...opts,
  async fn() {
    for (
      const answer of [
        () => Response.json({ error: "unauthorized" }, { status: 401 }),
        () => Response.json({ head: "7" }),
        () => Response.json({ head: 7, pad: "x".repeat(5000) }),
      ]
    ) {
      const srv = serve(answer);
      let changes = 0;
      const { signal, lines, metrics } = subject(srv.url, () => 0, () => changes++);
      try {
        signal.start();
        assert.ok(
          await until(() => metrics.value("dmp_sync_signals_total", { result: "error" }) >= 2),
        );
        assert.equal(changes, 0);
        assert.equal(lines.filter((l) => /change signal failed/.test(l)).length, 1, lines.join());
        assert.ok(!lines.join().includes("tok"), "the token is never logged");
      } finally {
        await signal.stop();
        await srv.close();
      }
    }
  },
});

Deno.test({
  name: "JournalHeadSignal.stop() ends a held long-poll at once",
  ...opts,
  async fn() {
    const srv = serve(async () => {
      await new Promise((r) => setTimeout(r, 3000));
      return Response.json({ head: 1 });
    });
    const { signal } = subject(srv.url, () => 0, () => {});
    try {
      signal.start();
      assert.ok(await until(() => srv.seen.length === 1));
      const t0 = performance.now();
      await signal.stop();
      assert.ok(performance.now() - t0 < 1000, `stop took ${performance.now() - t0} ms`);
    } finally {
      await srv.close();
    }
  },
});
