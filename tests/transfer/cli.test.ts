/**
 * The operator commands of issue 16 end to end: a `tsig-keygen` key file is
 * imported with `dmp key import --file`, `dmp zone transfer` allows it, and
 * dig transfers the zone from a running node with that key; bad input exits
 * non-zero, never prints the secret, and changes nothing.
 */
import assert from "node:assert/strict";
import { run } from "../_support/dig.ts";
import { runDmp } from "../_support/dmp_cli.ts";
import { freshDatabase, type NodeProcess, startNodeProcess } from "../_support/node_process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "9a".repeat(32);
const ZONE = "cli.test";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: NodeProcess | undefined;
let keyFile = "";
let secret = "";

function dmp(...args: string[]) {
  return runDmp({ DMP_DB_URL: db.url, DMP_TSIG_SECRET_KEY: SEALING_KEY }, ...args);
}

Deno.test({
  name: "dmp key import --file reads a tsig-keygen file; the secret is never printed",
  ...opts,
  async fn() {
    db = await freshDatabase();
    const gen = await run("tsig-keygen", ["-a", "hmac-sha256", "xfr-cli"]);
    assert.equal(gen.code, 0);
    secret = /secret "([^"]+)"/.exec(gen.stdout)![1];
    keyFile = `${db.dir}/tsig.key`;
    await Deno.writeTextFile(keyFile, `# made by tsig-keygen\n${gen.stdout}`);
    const r = await dmp("key", "import", "--file", keyFile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /key xfr-cli imported \(hmac-sha256, transfers and NOTIFY only\)/);
    assert.ok(!(r.stdout + r.stderr).includes(secret));
    const again = await dmp("key", "import", "--file", keyFile);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; pass --replace/);
    const list = await dmp("key", "list");
    assert.ok(!list.stdout.includes(secret));
    assert.match(list.stdout, /^xfr-cli\.\thmac-sha256\tactive/m);
  },
});

Deno.test({
  name: "dmp key import refuses bad keys (exit 2) and stores nothing, naming no secret",
  ...opts,
  async fn() {
    const bad = `${db.dir}/bad.key`;
    const good = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=";
    await Deno.writeTextFile(
      bad,
      `key "one" { algorithm hmac-sha256; secret "${good}"; };\nkey "two" { algorithm hmac-md5; secret "${good}"; };\n`,
    );
    const r = await dmp("key", "import", "--file", bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /key two: unsupported algorithm/);
    assert.ok(!r.stderr.includes(good));
    const short = await dmp("key", "import", "tiny", "--secret", "AAAA");
    assert.equal(short.code, 2);
    const list = await dmp("key", "list");
    assert.doesNotMatch(list.stdout, /^(one|two|tiny)\./m);
  },
});

Deno.test({
  name: "dmp zone transfer allows the imported key; dig transfers with it, not without",
  ...opts,
  async fn() {
    assert.equal((await dmp("zone", "add", ZONE, "--ns", `ns1.${ZONE}`)).code, 0);
    assert.equal((await dmp("record", "add", `www.${ZONE}`, "A", "192.0.2.7")).code, 0);
    const badNet = await dmp("zone", "transfer", ZONE, "--allow-net", "10.0.0.1/8");
    assert.equal(badNet.code, 2);
    assert.match(badNet.stderr, /invalid network/);
    const set = await dmp(
      "zone",
      "transfer",
      ZONE,
      "--allow-key",
      "xfr-cli",
      "--allow-net",
      "127.0.0.0/8",
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /allow-key: xfr-cli\n\s+allow-net: 127\.0\.0\.0\/8/);
    const shown = await dmp("zone", "transfer", ZONE);
    assert.equal(shown.stdout, set.stdout);
    node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_TSIG_SECRET_KEY: SEALING_KEY },
    });
    const port = String(node.dnsPort);
    // dig reads the BIND key file itself (kdig -k wants another format).
    const ok = await run("dig", ["@127.0.0.1", "-p", port, "-k", keyFile, ZONE, "AXFR"]);
    assert.match(ok.stdout, /www\.cli\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.7/, ok.stdout);
    assert.doesNotMatch(ok.stdout + ok.stderr, /failed|tsig verify failure|Couldn't/i);
    const none = await run("kdig", ["@127.0.0.1", "-p", port, ZONE, "AXFR"]);
    assert.match(none.stdout + none.stderr, /REFUSED/);
    assert.doesNotMatch(none.stdout, /192\.0\.2\.7/);
    const off = await dmp("zone", "transfer", ZONE, "--off");
    assert.equal(off.code, 0);
    const refused = await run("dig", ["@127.0.0.1", "-p", port, "-k", keyFile, ZONE, "AXFR"]);
    assert.match(refused.stdout + refused.stderr, /Transfer failed/);
    assert.doesNotMatch(refused.stdout, /192\.0\.2\.7/);
  },
});

Deno.test({
  name: "teardown",
  ...opts,
  async fn() {
    await node?.stop();
    db.client.close();
  },
});
