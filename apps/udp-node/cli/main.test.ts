/**
 * The `dmp` command as a user meets it (issue 10), run as a real process:
 * help at every level without a database, clear `--db` failures, exit
 * statuses, EPIPE, `--json`, the local stack's database found from inside a
 * checkout (and which one said), and import progress only on a terminal.
 */
import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const DMP = `${ROOT}bin/dmp.mjs`;

async function dmp(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = await new Deno.Command("node", {
    args: [DMP, ...args],
    cwd: opts.cwd ?? "/tmp",
    env: { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME") ?? "/tmp", ...opts.env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, stdout: d.decode(r.stdout), stderr: d.decode(r.stderr) };
}

Deno.test("dmp: --help at every level prints help, exits 0 and opens no database", async () => {
  // /tmp is outside any checkout and DMP_DB_PATH's default directory does not exist:
  // any database access would fail.
  for (
    const args of [
      ["--help"],
      ["zone", "--help"],
      ["record", "--help"],
      ["key", "--help"],
      ["node", "--help"],
      ["start", "--help"],
      ["zone", "add", "--help"],
      ["record", "list", "-h"],
    ]
  ) {
    const r = await dmp(args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /dmp /, args.join(" "));
    assert.doesNotMatch(r.stderr, /database|ConnectionFailed|required/, args.join(" "));
  }
});

Deno.test("dmp: --db failures name the database and what to do, exit 1", async () => {
  const missing = await dmp(["zone", "list"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /file:\/var\/lib\/dmp\/dmp\.db/);
  assert.match(missing.stderr, /directory \/var\/lib\/dmp does not exist/);
  assert.match(missing.stderr, /--db URL or DMP_DB_URL/);
  assert.doesNotMatch(missing.stderr, /: 14\b|ConnectionFailed/);
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close(); // now refused
  const refused = await dmp(["record", "list", "example.com", "--db", `http://127.0.0.1:${port}`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`cannot reach database http://127.0.0.1:${port}`));
  assert.match(refused.stderr, /is the server running/);
  assert.doesNotMatch(refused.stderr, /fetch failed/);
  // Credentials in the URL never reach the terminal (or a CI log).
  const secret = await dmp([
    "zone",
    "list",
    "--db",
    `http://ops:pw-one@127.0.0.1:${port}/?authToken=tok-two`,
  ]);
  assert.equal(secret.code, 1);
  assert.match(
    secret.stderr,
    /dmp zone: cannot .* database http:\/\/ops:\[redacted\]@127\.0\.0\.1/,
  );
  assert.doesNotMatch(secret.stderr, /pw-one|tok-two/);
});

Deno.test("dmp: exit 1 for nothing to delete and no such zone; --json lists; EPIPE", async () => {
  const { dir, url, client } = await freshDatabase();
  client.close();
  const env = { DMP_DB_URL: url };
  assert.equal(
    (await dmp(["zone", "add", "example.com", "--ns", "ns1.example.com"], { env })).code,
    0,
  );
  for (let i = 0; i < 3; i++) {
    const r = await dmp(["record", "add", `r${i}.example.com`, "TXT", `v${i}`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`dmp: database ${url} \\(DMP_DB_URL\\)`));
  }
  const gone = await dmp(["record", "delete", "r9.example.com", "TXT"], { env });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /nothing to delete/);
  const wrongValue = await dmp(["record", "delete", "r1.example.com", "TXT", "nope"], { env });
  assert.equal(wrongValue.code, 1);
  const del = await dmp(["record", "delete", "r1.example.com", "TXT", "v1"], { env });
  assert.equal(del.code, 0, del.stderr);
  const unknown = await dmp(["record", "list", "nowhere.test"], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no zone nowhere\.test/);
  const json = await dmp(["record", "list", "example.com", "--json"], { env });
  const rows = JSON.parse(json.stdout) as { name: string; type: string; value: string }[];
  assert.deepEqual(rows.filter((r) => r.type === "TXT").map((r) => r.value).sort(), ["v0", "v2"]);
  assert.equal(
    JSON.parse((await dmp(["zone", "list", "--json"], { env })).stdout)[0].name,
    "example.com",
  );
  assert.deepEqual(JSON.parse((await dmp(["key", "list", "--json"], { env })).stdout), []);
  // A reader that stops early: no EPIPE stack trace, status 0.
  const piped = await new Deno.Command("bash", {
    args: ["-c", `set -o pipefail; node ${DMP} record list example.com --db ${url} | head -1`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(piped.stderr);
  assert.equal(piped.code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("dmp: inside a checkout with no --db, opens the local stack's database and key", async () => {
  const root = await Deno.makeTempDir({ prefix: "dmp-checkout-" });
  await Deno.writeTextFile(`${root}/package.json`, JSON.stringify({ name: "dmp-edge" }));
  await Deno.mkdir(`${root}/.data`, { mode: 0o700 });
  await Deno.mkdir(`${root}/sub/dir`, { recursive: true });
  const key = "11".repeat(32);
  await Deno.writeTextFile(`${root}/.data/tsig-sealing.key`, key + "\n");
  const r = await dmp(["key", "create", "tools.demo.test", "--scope", "demo.test"], {
    cwd: `${root}/sub/dir`,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`dmp: database file:${root}/.data/dmp.db \\(the local stack`));
  assert.match(r.stdout, /^hmac-sha256:tools\.demo\.test\.:/);
  // Sealed with the stack's key: no second key file appeared beside the database.
  const files = [...Deno.readDirSync(`${root}/.data`)].map((e) => e.name);
  assert.ok(!files.some((f) => f.endsWith(".tsig-key")), files.join(" "));
  // DMP_DATA_DIR moves it; an explicit --db wins over both.
  const moved = await Deno.makeTempDir();
  const m = await dmp(["zone", "list"], { cwd: root, env: { DMP_DATA_DIR: moved } });
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stderr, new RegExp(`file:${moved}/dmp.db`));
  await Deno.remove(root, { recursive: true });
  await Deno.remove(moved, { recursive: true });
});

Deno.test("dmp zone import: progress on a terminal after a second, none when piped", async () => {
  const { dir, url, client } = await freshDatabase();
  client.close();
  let zone = "$ORIGIN big.test.\n@ 300 IN NS ns1.big.test.\n";
  for (let i = 0; i < 200_000; i++) zone += `r${i} 300 IN TXT "v=dmp1;t=demo;${i}"\n`;
  await Deno.writeTextFile(`${dir}/big.zone`, zone);
  const piped = await dmp(["zone", "import", "big.test", `${dir}/big.zone`], {
    env: { DMP_DB_URL: url },
  });
  assert.equal(piped.code, 0, piped.stderr);
  assert.doesNotMatch(piped.stderr, /importing/);
  // script(1) gives the command a terminal; 200,000 records make the import slow enough (over
  // a second, even with multi-row writes) to draw at least one line, which is all this
  // asserts. Into a fresh database: the same file again into the same zone writes nothing
  // (only differences are written).
  const second = await freshDatabase();
  second.client.close();
  const tty = await new Deno.Command("script", {
    args: [
      "-qec",
      `node ${DMP} zone import big.test ${dir}/big.zone --db ${second.url}`,
      "/dev/null",
    ],
    stdout: "piped",
  }).output();
  const screen = new TextDecoder().decode(tty.stdout);
  assert.equal(tty.code, 0, screen);
  assert.match(screen, /importing big\.test: [\d,]+\/200,001 records \(\d+%\), [\d,]+\/s/);
  assert.match(screen, /, done/);
  const quiet = await new Deno.Command("script", {
    args: [
      "-qec",
      `node ${DMP} zone import big.test ${dir}/big.zone --db ${url} --quiet`,
      "/dev/null",
    ],
    stdout: "piped",
  }).output();
  assert.doesNotMatch(new TextDecoder().decode(quiet.stdout), /importing/);
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(second.dir, { recursive: true });
});

Deno.test("deno task dmp --help runs the CLI on Deno (not node_modules/.bin/deno as a script)", async () => {
  const r = await new Deno.Command(`${ROOT}node_modules/.bin/deno`, {
    args: ["task", "dmp", "--help"],
    cwd: ROOT,
    env: { PATH: `${ROOT}node_modules/.bin:${Deno.env.get("PATH")}`, DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, err);
  assert.match(out, /Usage: dmp <command>/);
  assert.doesNotMatch(err, /SyntaxError/);
});
