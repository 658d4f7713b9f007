// `npm test`: format check, lint, type check, then every test (unit tests
// deno-lint-ignore-file no-console
// beside the code, behaviour tests in tests/) with `deno test`. Every test
// and every step is counted by name from deno's JUnit report
// (`--junit-path`), and the last line is
//
//   N passed, N failed, N skipped
//
// where the checks count as one test each, "skipped" counts ignored tests and
// steps, and every failure is named above it. Ignored tests fail the run (the
// project has none by rule); so does a module that throws outside a test
// (deno's "uncaught error"), a deno exit status that no named failure
// explains, and a JUnit report that disagrees with deno's own summary.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
let passed = 0;
let failed = 0;
let skipped = 0;
/** names of everything that failed, in the order found */
const failures = [];

function check(name, args) {
  const r = spawnSync(deno, args, { stdio: ["ignore", "pipe", "pipe"], env, encoding: "utf8" });
  if (r.status === 0) {
    passed++;
    console.log(`check ${name} ... ok`);
  } else {
    failed++;
    failures.push(`check ${name}`);
    console.log(`check ${name} ... FAILED\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
}

/** Decodes the five XML entities deno's JUnit writer emits. */
function unescapeXml(s) {
  return s.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, e) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e],
  );
}

/**
 * Reads deno's JUnit report: one <testcase> per test and per step (steps are
 * named "test > step"), with <failure> or <skipped/> inside.
 */
function readJunit(path) {
  const xml = readFileSync(path, "utf8");
  const cases = [];
  const re = /<testcase name="([^"]*)" classname="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m; (m = re.exec(xml));) {
    const body = m[3] ?? "";
    const outcome = /<failure\b/.test(body)
      ? "failed"
      : /<skipped\b/.test(body)
      ? "skipped"
      : "passed";
    cases.push({ name: unescapeXml(m[1]), file: unescapeXml(m[2]), outcome });
  }
  return cases;
}

/** Runs a command, echoing its output live, and resolves with both streams and the status. */
function runTee(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

const only = process.argv.slice(2);
if (only.length === 0) {
  check("fmt", ["fmt", "--check"]);
  check("lint", ["lint"]);
  check("types", ["check", "."]);
}

const junitDir = mkdtempSync(join(tmpdir(), "dmp-junit-"));
const junitPath = join(junitDir, "report.xml");
// Every temp dir the tests make (databases, sqld's data, zone files, certificates) goes under
// one directory removed when the run ends, whether or not each test cleaned up after itself:
// runs on one machine must not fill its disk (~250 MB a run before).
const testTmp = mkdtempSync(join(tmpdir(), "dmp-test-run-"));
env.TMPDIR = testTmp;
const r = await runTee(deno, [
  "test",
  "-A",
  "--no-check",
  `--junit-path=${junitPath}`,
  ...(only.length ? only : ["packages/", "apps/", "tests/", "bench/"]),
]);

let cases = [];
try {
  cases = readJunit(junitPath);
} catch {
  // No report: deno stopped before running tests (a module that does not load).
}
rmSync(junitDir, { recursive: true, force: true });
rmSync(testTmp, { recursive: true, force: true });
// A module that throws outside any test (a failed beforeAll/afterAll, a
// dangling promise) is not in the JUnit report; deno lists it as
// "<file> (uncaught error)" under FAILURES, and JUnit marks the tests it did
// not run as skipped: those count as failed, not as ignored.
const uncaught = [
  ...new Set([...r.stdout.matchAll(/^(\S+) \(uncaught error\)$/gm)].map((m) => m[1])),
];
for (const file of uncaught) {
  failed++;
  failures.push(`${file}: uncaught error outside a test (setup, teardown or a dangling promise)`);
}
const ignored = [];
let denoFailed = 0;
for (const c of cases) {
  if (c.outcome === "passed") passed++;
  else if (c.outcome === "failed") {
    denoFailed++;
    failures.push(`${c.file}: ${c.name}`);
  } else if (uncaught.includes(c.file)) {
    denoFailed++;
    failures.push(`${c.file}: ${c.name} (not run: its module failed outside a test)`);
  } else ignored.push(`${c.file}: ${c.name}`);
}
// With `--filter`, JUnit also lists the tests filtered out as skipped; deno's
// summary tells them apart ("| 1 ignored | 3 filtered out"). When nothing was
// ignored, the skipped ones were all filtered out: not run, not counted.
const filteredOut = Number(/\| (\d+) filtered out/.exec(r.stdout)?.[1] ?? 0);
if (filteredOut > 0 && !/\| \d+ ignored/.test(r.stdout)) ignored.length = 0;
failed += denoFailed;
skipped = ignored.length;

// deno's own summary: "ok | 12 passed (30 steps) | 0 failed | 1 ignored".
const summary =
  /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored(?: \((\d+) steps?\))?)?/
    .exec(r.stdout);
// (Skipped only when a module failed outside a test: deno then leaves its
// tests out of the summary but JUnit lists them as skipped.)
if (summary && uncaught.length === 0 && filteredOut === 0) {
  const n = (i) => Number(summary[i] ?? 0);
  const junitPassed = cases.filter((c) => c.outcome === "passed").length;
  if (n(1) + n(2) !== junitPassed || n(5) + n(6) !== ignored.length) {
    failed++;
    failures.push(
      `the JUnit report (${junitPassed} passed, ${ignored.length} ignored) disagrees with deno's summary ` +
        `(${n(1) + n(2)} passed, ${n(5) + n(6)} ignored)`,
    );
  }
}
if (r.status !== 0 && denoFailed === 0 && uncaught.length === 0) {
  failed++;
  const why = (r.stderr.trim() || r.stdout.trim()).split("\n").filter((l) =>
    l.trim() && !/^\s*(Stack backtrace:|\d+: <unknown>)/.test(l)
  )
    .slice(-6).join(" | ");
  failures.push(`deno test exited ${r.status ?? r.signal} with no failing test named: ${why}`);
}
if (ignored.length) {
  // The project allows no ignored test: one failure naming all of them.
  failed++;
  failures.push(`ignored tests are not allowed (${ignored.length}): ${ignored.join("; ")}`);
}

if (failures.length) {
  console.log("\nfailed:");
  for (const f of failures) console.log(`  - ${f}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
