/**
 * `npm run dev:workers [-- --port N]`: the edge API in workerd, Cloudflare's
 * runtime, locally through Miniflare (a dev dependency; no download at run
 * time): the esbuild bundle of `apps/edge-api/adapters/workers.ts`, what
 * `wrangler deploy` ships, with the local stack's settings as bindings.
 *
 * workerd reaches its database over HTTP only (as on Cloudflare), so it
 * serves the database of `npm start -- --sqld` (read from `.data/stack.json`),
 * or DMP_DB_URL. Every DMP_* variable in the environment becomes a binding
 * and overrides the local defaults. Stops on SIGINT/SIGTERM or when npm goes.
 *
 *     npm start -- --sqld &
 *     npm run dev:workers
 *     curl http://127.0.0.1:8787/health
 *
 * @module
 */

import process from "node:process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import {
  dataDirFor,
  findCheckoutRoot,
  localStack,
  readStackState,
} from "../apps/udp-node/local_stack.ts";
import { watchLaunchers } from "../apps/udp-node/cli/launcher_watch.ts";
import { redactDatabaseUrl } from "../apps/udp-node/database_url.ts";

const HOST = "127.0.0.1";
const DEFAULT_PORT = 8787;

function fail(message: string): never {
  process.stderr.write(`dev:workers: ${message}\n`);
  process.exit(1);
}

/** Why `port` cannot be bound on HOST, or undefined when it can (workerd aborts with a trace). */
function portTaken(port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    s.listen(port, HOST, () => s.close(() => done(undefined)));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`npm run dev:workers [-- --port N]   (default port ${DEFAULT_PORT})

The edge API in workerd (Miniflare) on the database of \`npm start -- --sqld\`, or DMP_DB_URL.
`);
    return;
  }
  const portAt = args.indexOf("--port");
  const port = portAt >= 0 ? Number(args[portAt + 1]) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail("--port N: expected a port number");
  const root = findCheckoutRoot(process.cwd()) ?? fail("run it inside the dmp-edge checkout");
  const dataDir = dataDirFor(process.env.DMP_DATA_DIR, process.cwd())!;
  const stack = localStack(dataDir);
  const state = existsSync(dataDir) ? readStackState(stack) : undefined;
  const dbUrl = process.env.DMP_DB_URL || state?.dbUrl;
  if (!dbUrl || !/^(https?|libsql):\/\//.test(dbUrl)) {
    fail(
      `workerd reaches a database over HTTP only, and the local stack's is ${
        dbUrl ?? "not there"
      }: start \`npm start -- --sqld\` first, or set DMP_DB_URL to an http(s):// or libsql:// URL`,
    );
  }
  if (!process.env.DMP_DB_URL && !(await answers(`${dbUrl}/health`))) {
    fail(`the local stack's sqld (${dbUrl}) does not answer: start \`npm start -- --sqld\` first`);
  }
  const bindings: Record<string, string> = { DMP_DB_URL: dbUrl };
  // The stack's secrets, so tokens and TSIG keys minted here work on its nodes too.
  if (existsSync(stack.operatorToken)) {
    bindings.DMP_OPERATOR_TOKEN = readFileSync(stack.operatorToken, "utf8").trim();
  }
  if (existsSync(stack.sealingKey)) {
    bindings.DMP_TSIG_SECRET_KEY = readFileSync(stack.sealingKey, "utf8").trim();
  }
  Object.assign(bindings, { DMP_DOMAIN: "demo.dmp.test", DMP_DIRECTORY_ENABLED: "1" });
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("DMP_") && v !== undefined && k !== "DMP_DATA_DIR") bindings[k] = v;
  }

  const taken = await portTaken(port);
  if (taken) fail(`port ${HOST}:${port} is not free (${taken}); choose another with --port N`);
  const outdir = mkdtempSync(join(tmpdir(), "dmp-workers-"));
  await build({
    entryPoints: [join(root, "apps/edge-api/adapters/workers.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    outfile: join(outdir, "worker.mjs"),
    logLevel: "warning",
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, "worker.mjs"),
    modulesRoot: outdir,
    compatibilityDate: "2025-01-01",
    compatibilityFlags: ["nodejs_compat"],
    bindings,
    host: HOST,
    port,
  });
  let url: URL;
  try {
    url = await mf.ready;
  } catch (e) {
    rmSync(outdir, { recursive: true, force: true });
    fail(`workerd did not start on ${HOST}:${port} (${(e as Error).message}); choose --port N`);
  }
  process.stdout.write(
    `edge API in workerd on ${url.href.replace(/\/$/, "")} (database ${
      redactDatabaseUrl(dbUrl)
    }); try:\n\n` +
      `  curl -fsS ${url.href}health\n\nCtrl-C stops it.\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    await mf.dispose();
    rmSync(outdir, { recursive: true, force: true });
    process.exit(0);
  };
  const watch = watchLaunchers(process.env, stop);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
