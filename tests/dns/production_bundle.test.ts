/**
 * The production entry (dist/dmp.mjs from `npm run build`, what the systemd
 * unit runs) is the same node: built fresh, it serves a zone written by
 * another process and answers over UDP and TCP, with every TypeScript module
 * compiled in (no loader needed at run time), and its storage worker from a
 * bundle of its own that loads libSQL and nothing else.
 */
import assert from "node:assert/strict";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "npm run build's dist/dmp.mjs starts a node that answers like the sources do",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Inside the checkout, so the bundle's npm imports resolve from its node_modules.
    const outDir = `${ROOT}test-artifacts/bundle-${Deno.pid}`;
    const outfile = `${outDir}/dmp.mjs`;
    const built = await new Deno.Command("node", {
      args: [`${ROOT}scripts/build_node_bundle.mjs`, `--outfile=${outfile}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
    const chunks = [...Deno.readDirSync(`${outDir}/chunks`)].map((e) =>
      `${outDir}/chunks/${e.name}`
    );
    for (const file of [outfile, ...chunks]) {
      const source = await Deno.readTextFile(file);
      assert.ok(
        !/^\s*(import|export) .* from "[^"]*\.ts";$/m.test(source) &&
          !/import\("[^"]*\.ts"\)/.test(source),
        `every TypeScript module is compiled in (${file})`,
      );
    }
    // `dmp node` loads the entry and the CLI chunk it imports, with their static imports, before
    // it answers: no libSQL package among them (the storage worker has its own; 80 ms of a start),
    // nor hono (the ops listener's, loaded once DNS answers).
    const cli = (await Deno.readTextFile(outfile)).match(/import\("(\.\/chunks\/main-[^"]+)"\)/);
    assert.ok(cli, "the entry imports the CLI chunk");
    const loaded = packagesLoaded([outfile, new URL(cli[1], `file://${outfile}`).pathname]);
    assert.deepEqual(loaded.filter((p) => /libsql|hono/.test(p)), []);
    assert.ok(loaded.includes("zod"), "the closure is followed (zod reads the config)");
    // The storage worker has its own bundle beside it, which holds no package but libSQL's (as
    // the CLI bundle, it loaded zod, hono and the rest into the worker: 6 MiB of its heap).
    assert.deepEqual(packagesLoaded([`${outDir}/storage_worker.mjs`]), [
      "@libsql/client",
      "@libsql/core",
      "@libsql/hrana-client", // the replica's long-lived streams (primary_stream_client.ts)
      "js-base64",
      "libsql", // external: it loads its native module for this platform at run time
      "promise-limit",
      "ws",
    ]);
    const db = await freshDatabase();
    const now = Date.now() / 1000;
    await upsertZone(db.client, { name: "bundle.test" }, now);
    await applyRecordChanges(db.client, [
      {
        op: "add",
        zone: "bundle.test",
        name: "a.bundle.test",
        type: "TXT",
        value: "built",
        ttl: 60,
      },
    ], { now });
    const node = await startNodeProcess({ dbUrl: db.url, dir: db.dir, entry: outfile });
    try {
      for (const tcp of [false, true]) {
        const r = await dig(node.dnsPort, "a.bundle.test", "TXT", tcp ? ["+tcp"] : []);
        assert.equal(r.status, "NOERROR");
        assert.equal(r.answer[0]?.data, '"built"');
      }
    } finally {
      await node.stop();
      db.client.close();
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

/**
 * The npm packages that load with `entries` before any lazy `import()` runs:
 * those imported (external to the bundle) and those compiled in (esbuild
 * heads each module it compiles in with a `// node_modules/<package>/…`
 * comment), in the files reached by static `import … from "./…"`.
 */
function packagesLoaded(entries: string[]): string[] {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = Deno.readTextFileSync(file);
    for (const m of source.matchAll(/^import\s[^;]*?from\s*"([^"]+)";|^import\s*"([^"]+)";/gms)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith(".")) visit(new URL(spec, `file://${file}`).pathname);
      else if (!spec.startsWith("node:")) packages.add(spec.match(/^(@[^/]+\/)?[^/]+/)![0]);
    }
    for (const m of source.matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) {
      packages.add(m[1]);
    }
  };
  for (const e of entries) visit(e);
  return [...packages].sort();
}
