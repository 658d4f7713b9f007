/**
 * `packages/core` imports no runtime (README "Layout", STYLE: runtime-neutral
 * code is checked, not assumed):
 *
 * - no file imports a Node built-in (`node:*` or a bare built-in name) or uses
 *   `Deno`, `Buffer`, `process`, `require`, `Bun`, `__dirname`, `__filename`,
 *   except files whose name says which runtime they need: `*_deno.ts`,
 *   `*_node.ts`, `*_workers.ts`, and tests (`*.test.ts`, run by `deno test` only
 *   and imported by nothing);
 * - every file that says "This module is browser compatible." type-checks
 *   against `lib: ["esnext", "dom"]`, i.e. without the Deno namespace and
 *   without Node's globals (`packages/core/browser_compat.json`).
 *
 * Each check is first shown to fail on a planted violation, so a scanner or a
 * config that stopped seeing anything would fail here rather than pass.
 */
import assert from "node:assert/strict";
import { findRuntimeReferences } from "../_support/runtime_references.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CORE = `${ROOT}packages/core`;
const DENO = `${ROOT}node_modules/.bin/deno`;
/** File names that say which runtime they need, and tests. */
const EXEMPT = /(?:_deno|_node|_workers)\.ts$|\.test\.ts$/;
const BROWSER_COMPATIBLE = "This module is browser compatible.";

async function coreFiles(dir = CORE): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) files.push(...await coreFiles(path));
    else if (e.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

/** Runs `deno check` with the browser-compat config on `files`; returns the exit code and output. */
async function browserCheck(files: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(DENO, {
    args: ["check", "--quiet", "--config", `${CORE}/browser_compat.json`, ...files],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("the runtime-reference scanner sees imports and globals, not comments or strings", () => {
  const planted = [
    `import dgram from "node:dgram";`,
    `import { readFile } from "fs/promises";`,
    `export { Buffer as B } from "node:buffer";`,
    `const m = await import("node:net");`,
    `const a = Deno.env.get("X");`,
    `const b = process.env.X, c = Buffer.from("x");`,
    "const t = `${globalThis.process.pid}`;",
    `const r = require("x");`,
  ].join("\n");
  assert.deepEqual(findRuntimeReferences(planted).map((r) => `${r.line}:${r.what}`), [
    "1:import node:dgram",
    "2:import fs/promises",
    "3:Buffer",
    "3:import node:buffer",
    "4:import node:net",
    "5:Deno",
    "6:process",
    "6:Buffer",
    "7:process",
    "8:require",
  ]);
  const innocent = [
    "// no `Deno.*`, no `node:` modules, no Buffer, no process",
    '/* Deno.env.get("x") in a block comment */',
    `const s = "Deno.env and process.env and import('node:fs')";`,
    "const t = `a Buffer in a template ${1 / 2} and process after it`;",
    "const re = /process|Deno/g, half = 4 / 2;",
    "const o = { process: 1 }; o.process; pipeline.Deno;",
    "function f(process: number) { return process; }",
  ].join("\n");
  // The last line names a parameter `process` and then uses it: the use is
  // reported (shadowing a runtime global in core is not worth the doubt).
  assert.deepEqual(findRuntimeReferences(innocent).map((r) => `${r.line}:${r.what}`), [
    "7:process",
  ]);
});

Deno.test("packages/core references no runtime outside files named for one", async () => {
  const offenders: string[] = [];
  let scanned = 0;
  for (const path of await coreFiles()) {
    if (EXEMPT.test(path)) continue;
    scanned++;
    for (const r of findRuntimeReferences(await Deno.readTextFile(path))) {
      offenders.push(`${path.slice(ROOT.length)}:${r.line} ${r.what}`);
    }
  }
  assert.ok(scanned > 40, `only ${scanned} files scanned: is CORE right?`);
  assert.deepEqual(offenders, []);
});

Deno.test("files that claim browser compatibility type-check without Deno or Node types", async (t) => {
  const claimed: string[] = [];
  for (const path of await coreFiles()) {
    if ((await Deno.readTextFile(path)).includes(BROWSER_COMPATIBLE)) claimed.push(path);
  }
  assert.ok(claimed.length >= 40, `only ${claimed.length} files claim browser compatibility`);

  await t.step("a planted Deno, process and Buffer reference fails the check", async () => {
    // Outside the repository, so an interrupted run leaves nothing for fmt/lint/check to trip on.
    const dir = await Deno.makeTempDir({ prefix: "dmp-browser-compat-probe-" });
    try {
      await Deno.writeTextFile(
        `${dir}/probe.ts`,
        `export const a = Deno.pid;\nexport const b = process.pid;\nexport const c = Buffer.alloc(1);\n`,
      );
      const r = await browserCheck([`${dir}/probe.ts`]);
      assert.notEqual(r.code, 0, r.output);
      for (const name of ["'Deno'", "'process'", "'Buffer'"]) {
        assert.match(r.output, new RegExp(`Cannot find name ${name}`), r.output);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step(`the ${claimed.length} claimed files pass it`, async () => {
    const r = await browserCheck(claimed);
    assert.equal(r.code, 0, r.output);
  });
});
