/** The README's Metrics table names exactly the metrics of the catalog (one source of truth). */
import assert from "node:assert/strict";
import { METRICS } from "../../packages/core/metrics/catalog.ts";

Deno.test("README Metrics table matches packages/core/metrics/catalog.ts", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Metrics"));
  const documented = [...section.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(counter|gauge)\s*\|/gm)];
  assert.deepEqual(documented.map((m) => m[1]).sort(), Object.keys(METRICS).sort());
  for (const m of documented) assert.equal(METRICS[m[1] as keyof typeof METRICS].type, m[2], m[1]);
});
