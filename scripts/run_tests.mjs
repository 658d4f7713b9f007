// `npm test`: format check, lint, type check, then every test (unit tests
// deno-lint-ignore-file no-console
// beside the code, behaviour tests in tests/) with `deno test`. Ends with one
// line "N passed, N failed" (the checks count as one test each).
import { spawnSync } from "node:child_process";
import process from "node:process";

const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
let passed = 0;
let failed = 0;
const failures = [];

function check(name, args) {
  const r = spawnSync(deno, args, { stdio: ["ignore", "pipe", "pipe"], env, encoding: "utf8" });
  if (r.status === 0) {
    passed++;
    console.log(`check ${name} ... ok`);
  } else {
    failed++;
    failures.push(name);
    console.log(`check ${name} ... FAILED\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
}

const only = process.argv.slice(2);
if (only.length === 0) {
  check("fmt", ["fmt", "--check"]);
  check("lint", ["lint"]);
  check("types", ["check", "."]);
}
const args = [
  "test",
  "-A",
  "--no-check",
  ...(only.length ? only : ["packages/", "apps/", "tests/"]),
];
const r = spawnSync(deno, args, {
  stdio: ["ignore", "pipe", "inherit"],
  env,
  encoding: "utf8",
  maxBuffer: 64 << 20,
});
process.stdout.write(r.stdout);
const summary = /(?:ok|FAILED) \| (\d+) passed(?: \([^)]*\))? \| (\d+) failed/.exec(r.stdout ?? "");
if (summary) {
  passed += Number(summary[1]);
  failed += Number(summary[2]);
} else {
  failed++;
  failures.push("deno test (no summary)");
}
if (r.status !== 0 && summary && Number(summary[2]) === 0) {
  failed++;
  failures.push(`deno test exited ${r.status}`);
}
if (failures.length) console.log(`failed: ${failures.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
