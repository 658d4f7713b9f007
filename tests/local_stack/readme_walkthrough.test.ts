/**
 * The first hour of a new user (issue 10): on a fresh copy of the repository,
 * `npm start` (both modes), then every command the start banner and the
 * README's Quick start and `dmp` sections print, typed into one shell as
 * printed, each of which must succeed. The commands are read from the banner
 * and README.md themselves, so the test fails when they drift.
 *
 * The stack runs on free ports (the README documents DMP_DNS_PORT and
 * friends): the README's default ports in its commands are replaced by them.
 * Commands are typed a second apart, as a person does: the README says a write
 * is served "at once", which is within one sync interval (0.5 s).
 */
import assert from "node:assert/strict";
import {
  bannerCommands,
  freePortPair,
  freshCheckout,
  npmStart,
  processesIn,
  readmeCommands,
  userEnv,
  UserShell,
} from "../_support/fresh_checkout.ts";
import { waitFor } from "../_support/node_process.ts";

/** What some commands must print besides succeeding (first matching pattern wins). */
const EXPECT: [RegExp, (r: { stdout: string; stderr: string }) => void][] = [
  // The export imports back to the same zone: a replace with it finds nothing to change.
  [/zone import shop\.test shop\.test\.export --replace/, (r) => {
    assert.match(r.stdout, /\(0 written, 0 deleted, 2 unchanged\)/);
  }],
  [/dig .* hello\.demo\.dmp\.test TXT/, (r) => assert.match(r.stdout, /hello from dmp-edge/)],
  [/dig .* demo\.dmp\.test SOA/, (r) => assert.match(r.stdout, /status: NOERROR[\s\S]*IN\s+SOA/)],
  [/dig .* nothing\.demo\.dmp\.test/, (r) => assert.match(r.stdout, /status: NXDOMAIN/)],
  [/\/health/, (r) => assert.equal(JSON.parse(r.stdout).status, "ok")],
  [/\/nodes/, (r) => assert.match(r.stdout, /<title>DMP node directory<\/title>/)],
  [/\/v1\/admin\/zones/, (r) => assert.match(r.stdout, /demo\.dmp\.test/)],
  [/\/metrics/, (r) => assert.match(r.stdout, /dmp_dns_queries_total/)],
  [/KEY=\$\(npx dmp key create/, () => {}],
  [/nsupdate/, (r) => assert.doesNotMatch(r.stdout + r.stderr, /NOTAUTH|BADKEY|REFUSED/)],
  [/note\.demo\.dmp\.test TXT \+short/, (r) => assert.equal(r.stdout.trim(), '"hi"')],
  [/dmp record list demo\.dmp\.test/, (r) => assert.match(r.stdout, /note\.demo\.dmp\.test/)],
  [/record list example\.com --json/, (r) => {
    const rows = JSON.parse(r.stdout) as { name: string }[];
    assert.ok(rows.some((x) => x.name === "slot-0.mb-0123456789ab.example.com"), r.stdout);
  }],
  [/www\.shop\.test A \+short/, (r) => assert.equal(r.stdout.trim(), "192.0.2.3")],
  [/dmp zone list/, (r) => {
    assert.match(r.stdout, /^example\.com\t/m);
    assert.match(r.stdout, /^shop\.test\t/m);
  }],
  [/deno task dmp key list/, (r) => assert.match(r.stdout, /tools\.demo\.dmp\.test\./)],
];

/** The README's commands the test does itself (install, start) or must not run (the suite). */
const DONE_BY_TEST = ["npm install && npm start", "npm test"];

async function walk(mode: "file" | "sqld") {
  const dir = await freshCheckout();
  const readme = await Deno.readTextFile(`${dir}/README.md`);
  const dns = await freePortPair();
  const http = await freePortPair();
  const ops = await freePortPair();
  const sqldPort = await freePortPair();
  const env = userEnv(dir);
  const stack = npmStart(
    dir,
    mode === "sqld" ? ["--sqld", "--sqld-port", String(sqldPort)] : [],
    {
      ...env,
      DMP_DNS_PORT: String(dns),
      DMP_HTTP_PORT: String(http),
      DMP_NODE_HTTP_PORT: String(ops),
    },
  );
  const shell = new UserShell(dir, env, await Deno.makeTempDir({ prefix: "dmp-shell-" }));
  try {
    assert.ok(
      await waitFor(() => stack.output().includes("Ctrl-C stops the stack"), 60_000),
      stack.output(),
    );
    assert.doesNotMatch(stack.output(), /unsupported variable/);
    const banner = bannerCommands(stack.output());
    // The recipe the issue found broken must be in the banner, and so must the basics.
    for (const must of [/^dig /, /^curl .*\/health/, /dmp key create/, /nsupdate -y/]) {
      assert.ok(banner.some((c) => must.test(c)), `banner lacks ${must}:\n${stack.output()}`);
    }
    // The banner points at the operator token, never prints it.
    const token = (await Deno.readTextFile(`${dir}/.data/operator-token`)).trim();
    assert.ok(!stack.output().includes(token), "the banner printed the operator token");
    const bare = (c: string) => c.replace(/\s+#.*$/, "");
    const quick = readmeCommands(readme, "Quick start").map(bare);
    for (const c of DONE_BY_TEST) assert.ok(quick.includes(c), `README Quick start lacks ${c}`);
    const readmeCli = [
      ...quick.filter((c) => !DONE_BY_TEST.includes(c)),
      ...readmeCommands(readme, "The `dmp` command"),
    ]
      .map((c) =>
        c.replaceAll("-p 5353", `-p ${dns}`).replaceAll("127.0.0.1:8053", `127.0.0.1:${http}`)
      );
    assert.ok(readmeCli.length >= 8, readmeCli.join("\n"));
    for (const command of [...banner, ...readmeCli]) {
      await new Promise((r) => setTimeout(r, 1000)); // a person's pace
      const r = await shell.run(command);
      const context = `${mode}: ${command}\nexit ${r.code}\n${r.stdout}\n${r.stderr}`;
      assert.equal(r.code, 0, context);
      assert.doesNotMatch(r.stderr, /Error:|at .*\.ts:\d+|fetch failed/, context);
      const check = EXPECT.find(([re]) => re.test(command));
      try {
        check?.[1](r);
      } catch (e) {
        throw new Error(`${context}\n${(e as Error).message}`);
      }
      // The CLI says which database it opened: the stack's.
      if (/\bdmp (zone|record|key)\b/.test(command)) {
        assert.match(r.stderr, /dmp: database .* \(the local stack in /, context);
      }
    }
    // Files holding secrets are the user's only.
    assert.equal((await Deno.stat(`${dir}/.data`)).mode! & 0o777, 0o700);
    for (const f of ["operator-token", "tsig-sealing.key", "stack.json"]) {
      assert.equal((await Deno.stat(`${dir}/.data/${f}`)).mode! & 0o777, 0o600, f);
    }
  } finally {
    await shell.close();
    // SIGTERM to npm (not to its children) stops the whole stack. A stack that already exited
    // has nothing to stop: throwing here would hide the failure (and the stack's output) above.
    try {
      stack.child.kill("SIGTERM");
    } catch {
      // exited already: `stack.done` below still settles
    }
    await stack.done;
    const left = await waitFor(async () => (await processesIn(dir)).length === 0, 10_000);
    const procs = await processesIn(dir);
    for (const p of procs) Deno.kill(Number(p.split(":")[0]), "SIGKILL");
    assert.ok(left, `left running after SIGTERM to npm:\n${procs.join("\n")}`);
  }
  await Deno.remove(dir, { recursive: true });
}

Deno.test({
  name: "README walkthrough: npm start, then every printed command works as printed",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => walk("file"),
});

Deno.test({
  name: "README walkthrough: npm start -- --sqld, then every printed command works as printed",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => walk("sqld"),
});
