/**
 * ACME DNS-01 end to end (issue 16 item 6): an `acme:ZONE` key made with
 * `dmp key create`, the real lego (provider rfc2136) and the real certbot
 * (dns-rfc2136 plugin) each obtaining a certificate from the real pebble ACME
 * test server, which resolves the challenge through the node; the challenge
 * record is gone afterwards. The same key is refused,
 * through the real nsupdate, for every name and type that is not a challenge
 * TXT of its zone, and the refusals change nothing.
 */
import assert from "node:assert/strict";
import { dig, run } from "../_support/dig.ts";
import { runDmp } from "../_support/dmp_cli.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "ac".repeat(32);
const ZONE = "acme.test";
const OTHER = "other.test";
const KEY = "acme-lego";
/** lego, pebble and the node are all local; a stuck run is killed after this. */
const LEGO_TIMEOUT_MS = 150_000;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: NodeProcess;
let pebble: Deno.ChildProcess | undefined;
let pebbleLog = "";
let secret = "";

function dmp(...args: string[]) {
  return runDmp({ DMP_DB_URL: db.url, DMP_TSIG_SECRET_KEY: SEALING_KEY }, ...args);
}

const keyArg = () => `hmac-sha256:${KEY}:${secret}`;

/** TXT values the node serves at `name`. */
async function txtAt(name: string): Promise<string[]> {
  const r = await dig(node.dnsPort, name, "TXT");
  return r.answer.filter((a) => a.type === "TXT").map((a) => a.data);
}

/** Rows in the store at `name` (the node's view could lag; the store cannot). */
async function rowsAt(name: string): Promise<string[]> {
  const r = await db.client.execute({
    sql: "SELECT type, value FROM records WHERE name = ? ORDER BY id",
    args: [name],
  });
  return Array.from(r.rows, (x) => `${x.type} ${x.value}`);
}

Deno.test.beforeAll(async () => {
  db = await freshDatabase();
  for (const zone of [ZONE, OTHER]) {
    const z = await dmp("zone", "add", zone, "--ns", `ns1.${zone}`);
    assert.equal(z.code, 0, z.stderr);
  }
  assert.equal((await dmp("record", "add", `www.${ZONE}`, "A", "192.0.2.80")).code, 0);
  const bad = await dmp("key", "create", "bad-acme", "--scope", "acme:");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /acme:ZONE needs a zone name/);
  const k = await dmp("key", "create", KEY, "--scope", `acme:${ZONE}`);
  assert.equal(k.code, 0, k.stderr);
  secret = /^hmac-sha256:acme-lego\.:(\S+)$/m.exec(k.stdout)![1];
  const list = await dmp("key", "list");
  assert.match(list.stdout, new RegExp(`^${KEY}\\.\\thmac-sha256\\tactive\\tacme:${ZONE}\\t`, "m"));
  node = await startNodeProcess({
    dbUrl: db.url,
    dir: db.dir,
    env: { DMP_DNS_UPDATE_ENABLED: "1", DMP_TSIG_SECRET_KEY: SEALING_KEY },
  });
});

Deno.test.afterAll(async () => {
  if (pebble) {
    try {
      pebble.kill("SIGKILL");
    } catch { /* already gone */ }
    await pebble.status;
  }
  await node?.stop();
  db.client.close();
});

Deno.test({
  name: "acme key: refused (nsupdate) for other names, types, zones and whole-name deletes",
  ...opts,
  async fn() {
    const refused: [string, string[]][] = [
      [ZONE, [`update add www.${ZONE} 60 TXT "not-a-challenge"`]],
      [ZONE, [`update add ${ZONE} 60 TXT "apex"`]],
      [ZONE, [`update add x._acme-challenge.${ZONE} 60 TXT "below"`]],
      [ZONE, [`update add _acme-challenge.www.${ZONE} 60 A 192.0.2.1`]],
      [ZONE, [`update add _acme-challenge.www.${ZONE} 60 CNAME elsewhere.example.`]],
      [ZONE, [`update delete _acme-challenge.www.${ZONE}`]],
      [ZONE, [`update delete www.${ZONE} A`]],
      [OTHER, [`update add _acme-challenge.${OTHER} 60 TXT "other-zone"`]],
      // All or nothing: one allowed change beside a refused one applies neither.
      [ZONE, [
        `update add _acme-challenge.mixed.${ZONE} 60 TXT "ok"`,
        `update add mixed.${ZONE} 60 TXT "no"`,
      ]],
    ];
    for (const [zone, lines] of refused) {
      // check-names off: nsupdate itself refuses an A record at an underscore name.
      const r = await nsupdate(node.dnsPort, zone, ["check-names no", ...lines], {
        key: keyArg(),
      });
      assert.equal(r.error, "REFUSED", `${lines.join("; ")}: ${r.output}`);
    }
    assert.deepEqual(await rowsAt(`www.${ZONE}`), ["A 192.0.2.80"]);
    assert.deepEqual(await rowsAt(`_acme-challenge.mixed.${ZONE}`), []);
    assert.deepEqual(await rowsAt(`_acme-challenge.${OTHER}`), []);
    assert.deepEqual(await rowsAt(`_acme-challenge.www.${ZONE}`), []);
    const logs = node.logs();
    assert.match(logs, /UPDATE refused: TXT at www\.acme\.test is outside the key's scope/);
    assert.match(logs, /UPDATE refused: ANY at _acme-challenge\.www\.acme\.test is outside/);
    assert.ok(!logs.includes(secret), "the node logged the secret");
  },
});

Deno.test({
  name: "acme key: adds and deletes challenge TXT at the apex and below (nsupdate)",
  ...opts,
  async fn() {
    for (const name of [`_acme-challenge.${ZONE}`, `_acme-challenge.a.b.${ZONE}`]) {
      const add = await nsupdate(node.dnsPort, ZONE, [`update add ${name} 60 TXT "token-1"`], {
        key: keyArg(),
      });
      assert.equal(add.code, 0, add.output);
      assert.deepEqual(await txtAt(name), ['"token-1"']);
      // Written with a 60 s TTL, kept a day: ACME clients wait longer than the TTL.
      const row = await db.client.execute({
        sql: "SELECT expires_at FROM records WHERE name = ? AND type = 'TXT'",
        args: [name],
      });
      assert.ok(Number(row.rows[0].expires_at) > Date.now() / 1000 + 86000, name);
      const del = await nsupdate(node.dnsPort, ZONE, [`update delete ${name} TXT "token-1"`], {
        key: keyArg(),
      });
      assert.equal(del.code, 0, del.output);
      assert.deepEqual(await txtAt(name), []);
      assert.deepEqual(await rowsAt(name), []);
    }
  },
});

/** A self-signed certificate for pebble's HTTPS listener; lego trusts it. */
async function pebbleTls(dir: string): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/pebble-cert.pem`;
  const key = `${dir}/pebble-key.pem`;
  const r = await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return { cert, key };
}

async function startPebble(dir: string, tls: { cert: string; key: string }): Promise<number> {
  const port = await freePort();
  const config = `${dir}/pebble.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${await freePort()}`,
        certificate: tls.cert,
        privateKey: tls.key,
        // Ports pebble would connect to for http-01 / tls-alpn-01; this test uses dns-01 only.
        httpPort: 5002,
        tlsPort: 5001,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  pebble = new Deno.Command("pebble", {
    args: ["-config", config, "-dnsserver", `127.0.0.1:${node.dnsPort}`],
    env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const dec = new TextDecoder();
  for (const stream of [pebble.stdout, pebble.stderr]) {
    (async () => {
      for await (const chunk of stream) pebbleLog += dec.decode(chunk);
    })();
  }
  const up = await waitFor(() => pebbleLog.includes(`Listening on: 127.0.0.1:${port}`), 20000);
  assert.ok(up, `pebble did not start:\n${pebbleLog}`);
  return port;
}

let acme: Promise<{ tls: { cert: string; key: string }; port: number }> | undefined;

/** Pebble, started once for the tests that use it. */
function ensurePebble(): Promise<{ tls: { cert: string; key: string }; port: number }> {
  acme ??= (async () => {
    const tls = await pebbleTls(db.dir);
    return { tls, port: await startPebble(db.dir, tls) };
  })();
  return acme;
}

Deno.test({
  name:
    "lego (rfc2136) obtains a certificate from pebble through the node; the challenge is removed",
  ...opts,
  async fn() {
    const { tls, port: acmePort } = await ensurePebble();
    const domain = `www.${ZONE}`;
    const legoDir = `${db.dir}/lego`;
    const r = await run("lego", [
      "--server",
      `https://127.0.0.1:${acmePort}/dir`,
      "--accept-tos",
      "--email",
      `admin@${ZONE}`,
      "--dns",
      "rfc2136",
      // Zone lookup and the propagation check ask the node; the complete-propagation check
      // would ask the zone's NS hosts on port 53, which are not this test's node.
      "--dns.resolvers",
      `127.0.0.1:${node.dnsPort}`,
      "--dns.disable-cp",
      "--domains",
      domain,
      "--path",
      legoDir,
      "run",
    ], {
      env: {
        LEGO_CA_CERTIFICATES: tls.cert,
        RFC2136_NAMESERVER: `127.0.0.1:${node.dnsPort}`,
        RFC2136_TSIG_KEY: `${KEY}.`,
        RFC2136_TSIG_SECRET: secret,
        RFC2136_TSIG_ALGORITHM: "hmac-sha256.",
        RFC2136_PROPAGATION_TIMEOUT: "30",
        RFC2136_POLLING_INTERVAL: "1",
      },
      timeoutMs: LEGO_TIMEOUT_MS,
    });
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, `lego failed:\n${out}\n--- pebble:\n${pebbleLog}`);
    assert.ok(!out.includes(secret), "lego printed the TSIG secret");
    // The certificate pebble issued names the domain.
    const crt = `${legoDir}/certificates/${domain}.crt`;
    const x = await run("openssl", ["x509", "-in", crt, "-noout", "-ext", "subjectAltName"]);
    assert.equal(x.code, 0, x.stderr);
    assert.match(x.stdout, /DNS:www\.acme\.test/);
    // Pebble validated the challenge by asking the node, and lego cleaned it up afterwards.
    // The journal has lego's add and its delete of the challenge name, nothing else of it.
    const journal = await db.client.execute({
      sql: "SELECT count(*) AS n FROM journal WHERE zone = ? AND name = ?",
      args: [ZONE, `_acme-challenge.${domain}`],
    });
    assert.ok(Number(journal.rows[0].n) >= 2, `journal entries: ${journal.rows[0].n}`);
    assert.deepEqual(await txtAt(`_acme-challenge.${domain}`), []);
    assert.deepEqual(await rowsAt(`_acme-challenge.${domain}`), []);
  },
});

Deno.test({
  name: "certbot (dns-rfc2136) obtains a certificate from pebble through the node; cleaned up",
  ...opts,
  async fn() {
    const { tls, port: acmePort } = await ensurePebble();
    const domain = `api.${ZONE}`;
    const dir = `${db.dir}/certbot`;
    await Deno.mkdir(dir);
    // The recipe of docs/operators.md, with the node's port.
    const ini = `${dir}/rfc2136.ini`;
    await Deno.writeTextFile(
      ini,
      [
        "dns_rfc2136_server = 127.0.0.1",
        `dns_rfc2136_port = ${node.dnsPort}`,
        `dns_rfc2136_name = ${KEY}.`,
        `dns_rfc2136_secret = ${secret}`,
        "dns_rfc2136_algorithm = HMAC-SHA256",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const r = await run("certbot", [
      "certonly",
      "--non-interactive",
      "--agree-tos",
      "--register-unsafely-without-email",
      "--server",
      `https://127.0.0.1:${acmePort}/dir`,
      "--config-dir",
      `${dir}/config`,
      "--work-dir",
      `${dir}/work`,
      "--logs-dir",
      `${dir}/logs`,
      "--dns-rfc2136",
      "--dns-rfc2136-credentials",
      ini,
      "--dns-rfc2136-propagation-seconds",
      "1",
      "-d",
      domain,
    ], { env: { REQUESTS_CA_BUNDLE: tls.cert }, timeoutMs: LEGO_TIMEOUT_MS });
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, `certbot failed:\n${out}\n--- pebble:\n${pebbleLog}`);
    assert.ok(!out.includes(secret), "certbot printed the TSIG secret");
    const crt = `${dir}/config/live/${domain}/cert.pem`;
    const x = await run("openssl", ["x509", "-in", crt, "-noout", "-ext", "subjectAltName"]);
    assert.equal(x.code, 0, x.stderr);
    assert.match(x.stdout, /DNS:api\.acme\.test/);
    const journal = await db.client.execute({
      sql: "SELECT count(*) AS n FROM journal WHERE zone = ? AND name = ?",
      args: [ZONE, `_acme-challenge.${domain}`],
    });
    assert.ok(Number(journal.rows[0].n) >= 2, `journal entries: ${journal.rows[0].n}`);
    assert.deepEqual(await txtAt(`_acme-challenge.${domain}`), []);
    assert.deepEqual(await rowsAt(`_acme-challenge.${domain}`), []);
  },
});
