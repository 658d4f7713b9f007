/**
 * DNS over TLS (RFC 7858) against a real node with a certificate from a
 * throwaway CA made by openssl: kdig and unbound (forwarding over TLS) get
 * answers; edns-tcp-keepalive (RFC 7828) and padding (RFC 8467) as kdig
 * shows them; ALPN `dot`; TLS 1.1 refused; expired and wrong-name
 * certificates reported by the client; the certificate reloaded from its
 * files (a bad new pair keeps the old one); the TCP connection limits
 * applied before the handshake; bad certificate settings stop start-up.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { run } from "../_support/dig.ts";
import { buildQuery } from "../_support/raw_dns.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import {
  freePort,
  freshDatabase,
  NodeStartError,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import {
  issueServerCertificate,
  makeTestCa,
  type ServerCertificate,
  type TestCa,
} from "../_support/test_certificates.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "dot.test";
const HOST = "dns.dot.test";

/** A node serving ZONE (with a TXT large enough to need two padding blocks) over DoT. */
async function dotNode(
  cert: ServerCertificate,
  env: Record<string, string> = {},
  runtime: "node" | "deno" = "node",
) {
  const db = await freshDatabase();
  await upsertZone(db.client, { name: ZONE }, Date.now() / 1000);
  await applyRecordChanges(
    db.client,
    [{
      op: "add" as const,
      zone: ZONE,
      name: `big.${ZONE}`,
      type: "TXT",
      value: "x".repeat(600),
      ttl: 60,
    }],
    { now: Date.now() / 1000 },
  );
  const dotPort = await freePort();
  const node = await startNodeProcess({
    dbUrl: db.url,
    dir: db.dir,
    runtime,
    env: {
      DMP_DOT_PORT: String(dotPort),
      DMP_DOT_CERT_FILE: cert.cert,
      DMP_DOT_KEY_FILE: cert.key,
      ...env,
    },
  });
  return { db, node, dotPort };
}

/** kdig over TLS to the DoT port, verifying against the CA as `hostname`; output and exit code. */
async function kdigTls(
  port: number,
  ca: TestCa,
  name: string,
  type: string,
  extra: string[] = [],
  hostname = HOST,
): Promise<{ code: number; out: string }> {
  const r = await run("kdig", [
    "@127.0.0.1",
    "-p",
    String(port),
    `+tls-ca=${ca.pem}`,
    `+tls-hostname=${hostname}`,
    name,
    type,
    "+norec",
    "+retry=1",
    "+time=3",
    ...extra,
  ]);
  return { code: r.code, out: r.stdout + r.stderr };
}

function receivedBytes(out: string): number {
  const m = /Received (\d+) B/.exec(out);
  assert.ok(m, `no answer in:\n${out}`);
  return Number(m[1]);
}

/** openssl s_client to the DoT port with `args`; its output (stdin closed at once). */
async function sClient(port: number, args: string[]): Promise<string> {
  const r = await run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, ...args], {
    stdin: "",
    timeoutMs: 10000,
  });
  return r.stdout + r.stderr;
}

Deno.test({
  name: "DoT: kdig and unbound get answers; keepalive, padding, ALPN dot, TLS 1.2+ only",
  ...opts,
  async fn() {
    const ca = await makeTestCa();
    const cert = await issueServerCertificate(ca, "server", { hostname: HOST });
    // A 7 s idle timeout: keepalive TIMEOUT 70 (0x0046), not the default 50.
    const { db, node, dotPort } = await dotNode(cert, { DMP_DNS_TCP_IDLE_TIMEOUT: "7" });
    let unbound: Deno.ChildProcess | undefined;
    try {
      // Verified against the CA and the host name.
      // kdig pads its queries over TLS by default; +nopadding asks for nothing.
      const soa = await kdigTls(dotPort, ca, ZONE, "SOA", ["+nopadding"]);
      assert.equal(soa.code, 0, soa.out);
      assert.match(soa.out, /TLS session \(TLS1\.[23]\)/);
      assert.match(soa.out, /status: NOERROR/);
      assert.match(soa.out, new RegExp(`^${ZONE}\\.\\s+\\d+\\s+IN\\s+SOA\\s`, "m"));
      assert.doesNotMatch(soa.out, /PADDING|Option \(11\)/, "nothing the query did not ask for");
      // Opportunistic TLS (no verification), as `kdig +tls`.
      const opportunistic = await run("kdig", [
        "@127.0.0.1",
        "-p",
        String(dotPort),
        "+tls",
        `big.${ZONE}`,
        "TXT",
        "+norec",
        "+time=3",
      ]);
      assert.match(opportunistic.stdout, /status: NOERROR/, opportunistic.stdout);
      assert.match(opportunistic.stdout, /xxxxxxxx/);
      assert.match(opportunistic.stdout, /PADDING: \d+ B/, "kdig's default padding is answered");

      // RFC 7828: the keepalive option carries our idle timeout; RFC 8467: padded to 468.
      const padded = await kdigTls(dotPort, ca, ZONE, "SOA", ["+ednsopt=11", "+padding"]);
      assert.match(padded.out, /Option \(11\): 0046/);
      assert.match(padded.out, /PADDING: \d+ B/);
      assert.equal(receivedBytes(padded.out) % 468, 0, padded.out);
      const big = await kdigTls(dotPort, ca, `big.${ZONE}`, "TXT", ["+padding"]);
      assert.equal(receivedBytes(big.out), 936, "a 600-byte TXT takes two blocks");
      const nx = await kdigTls(dotPort, ca, `nope.${ZONE}`, "A", ["+padding"]);
      assert.match(nx.out, /status: NXDOMAIN/);
      assert.equal(receivedBytes(nx.out) % 468, 0);

      // Plain TCP: keepalive but no padding; UDP: neither.
      const tcp = await run("kdig", [
        "@127.0.0.1",
        "-p",
        String(node.dnsPort),
        "+tcp",
        ZONE,
        "SOA",
        "+ednsopt=11",
        "+padding",
        "+norec",
      ]);
      assert.match(tcp.stdout, /Option \(11\): 0046/, tcp.stdout);
      assert.doesNotMatch(tcp.stdout, /PADDING/);
      const udp = await run("kdig", [
        "@127.0.0.1",
        "-p",
        String(node.dnsPort),
        "+notcp",
        ZONE,
        "SOA",
        "+ednsopt=11",
        "+norec",
      ]);
      assert.match(udp.stdout, /status: NOERROR/, udp.stdout);
      assert.doesNotMatch(udp.stdout, /Option \(11\)/, "never on UDP (RFC 7828 §3.3.2)");

      // ALPN dot; TLS 1.2 accepted; TLS 1.1 refused by the server (protocol_version alert).
      const alpn = await sClient(dotPort, ["-alpn", "dot", "-tls1_2", "-CAfile", ca.pem]);
      assert.match(alpn, /Protocol\s*:\s*TLSv1\.2/, alpn);
      assert.match(alpn, /ALPN protocol: dot/);
      const old = await sClient(dotPort, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
      assert.match(old, /alert protocol version/, old);
      assert.match(old, /no peer certificate available/, "the handshake never completed");
      assert.ok(
        await waitFor(() => /DoT connection failed .*UNSUPPORTED_PROTOCOL/.test(node.logs()), 3000),
        "the node saw and refused the TLS 1.1 handshake",
      );

      // unbound forwarding to the node over TLS, verifying with the CA.
      const ubPort = await freePort();
      const dir = await Deno.makeTempDir({ prefix: "dmp-unbound-" });
      await Deno.writeTextFile(
        `${dir}/unbound.conf`,
        [
          "server:",
          "  interface: 127.0.0.1",
          `  port: ${ubPort}`,
          "  do-ip6: no",
          "  do-not-query-localhost: no",
          '  username: ""',
          '  chroot: ""',
          `  directory: "${dir}"`,
          '  pidfile: ""',
          "  use-syslog: no",
          '  logfile: ""',
          '  module-config: "iterator"',
          `  tls-cert-bundle: "${ca.pem}"`,
          // test. is one of unbound's default local zones (RFC 6761).
          '  local-zone: "test." nodefault',
          "remote-control:",
          "  control-enable: no",
          "forward-zone:",
          `  name: "${ZONE}"`,
          `  forward-addr: 127.0.0.1@${dotPort}#${HOST}`,
          "  forward-tls-upstream: yes",
          "",
        ].join("\n"),
      );
      try {
        unbound = new Deno.Command("unbound", {
          args: ["-d", "-c", `${dir}/unbound.conf`],
          stdout: "null",
          stderr: "null",
        }).spawn();
      } catch (e) {
        throw new Error(`cannot run unbound (Debian: apt-get install unbound): ${e}`);
      }
      let last = "";
      const answered = await waitFor(async () => {
        const r = await run("dig", [
          "@127.0.0.1",
          "-p",
          String(ubPort),
          `big.${ZONE}`,
          "TXT",
          "+time=3",
          "+tries=1",
        ]);
        last = r.stdout;
        return /status: NOERROR/.test(r.stdout) && /xxxxxxxx/.test(r.stdout);
      }, 15000);
      assert.ok(answered, `unbound did not answer through DoT:\n${last}`);
    } finally {
      if (unbound) {
        try {
          unbound.kill("SIGTERM");
        } catch { /* gone */ }
        await unbound.status;
      }
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name:
    "DoT certificates: expired and wrong-name reported by kdig; reload on change; a bad pair keeps the old",
  ...opts,
  async fn() {
    const ca = await makeTestCa();
    const expired = await issueServerCertificate(ca, "expired", {
      hostname: HOST,
      cn: `expired.${HOST}`,
      days: -1,
    });
    // The node serves whatever is at these paths.
    const served = { cert: `${ca.dir}/served.pem`, key: `${ca.dir}/served.key` };
    await Deno.copyFile(expired.cert, served.cert);
    await Deno.copyFile(expired.key, served.key);
    await Deno.chmod(served.key, 0o644);
    const { db, node, dotPort } = await dotNode(served);
    try {
      assert.match(node.logs(), /DoT certificate is not valid now/, "the operator is warned");
      assert.match(node.logs(), /DoT key file is readable by every user/);
      const old = await kdigTls(dotPort, ca, ZONE, "SOA", ["-d"]);
      assert.notEqual(old.code, 0);
      assert.match(old.out, /The certificate chain uses expired certificate/, old.out);
      assert.match(old.out, /handshake failed/);
      const s = await sClient(dotPort, ["-CAfile", ca.pem, "-verify_return_error"]);
      assert.match(s, /certificate has expired/, s);

      // A connection open before the change (unverified: the certificate is expired) keeps working.
      const before = tls.connect({ host: "127.0.0.1", port: dotPort, rejectUnauthorized: false });
      before.on("error", () => {});
      const replies: Uint8Array[] = [];
      before.on("data", (d: Uint8Array) => replies.push(d));
      let beforeSecure = false;
      before.on("secureConnect", () => beforeSecure = true);
      assert.ok(await waitFor(() => beforeSecure, 5000), "handshake before the change");
      assert.match(String(before.getPeerCertificate().subject.CN), /^expired\./);

      // Replace the files: the next connection gets the new certificate.
      const fresh = await issueServerCertificate(ca, "fresh", {
        hostname: HOST,
        cn: `fresh.${HOST}`,
      });
      await Deno.copyFile(fresh.key, served.key);
      await Deno.copyFile(fresh.cert, served.cert);
      let last = "";
      assert.ok(
        await waitFor(async () => {
          const r = await kdigTls(dotPort, ca, ZONE, "SOA", ["-d"]);
          last = r.out;
          return r.code === 0 && /status: NOERROR/.test(r.out);
        }, 10000),
        `the new certificate was not picked up:\n${last}`,
      );
      assert.match(last, new RegExp(`CN=fresh\\.${HOST.replaceAll(".", "\\.")}`));
      const q = buildQuery(ZONE, TYPE.SOA, 0x4444);
      before.write(new Uint8Array([q.length >> 8, q.length & 0xff, ...q]));
      assert.ok(
        await waitFor(() => replies.reduce((n, d) => n + d.length, 0) >= 14, 5000),
        "the connection opened before the reload is still answered",
      );
      assert.equal((replies[0][2] << 8) | replies[0][3], 0x4444);
      before.destroy();

      // Verified for another name: the client names the mismatch.
      const wrong = await kdigTls(dotPort, ca, ZONE, "SOA", ["-d"], `other.${ZONE}`);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.out, /does not match the expected/, wrong.out);

      // A certificate whose key is not beside it is rejected; the pair in use stays.
      const second = await issueServerCertificate(ca, "second", {
        hostname: HOST,
        cn: `second.${HOST}`,
      });
      await Deno.copyFile(second.cert, served.cert);
      assert.ok(
        await waitFor(() => /DoT certificate change rejected/.test(node.logs()), 10000),
        node.logs(),
      );
      const kept = await kdigTls(dotPort, ca, ZONE, "SOA", ["-d"]);
      assert.equal(kept.code, 0, kept.out);
      assert.match(kept.out, /CN=fresh\./, "still the last good certificate");
      // Its key arrives: the pair loads.
      await Deno.copyFile(second.key, served.key);
      assert.ok(
        await waitFor(
          async () => /CN=second\./.test((await kdigTls(dotPort, ca, ZONE, "SOA", ["-d"])).out),
          10000,
        ),
        "the completed pair was loaded",
      );
      // Metrics: the expiry of the pair in use, and what became of each change.
      const notAfter = Math.floor(
        new Date(new X509Certificate(await Deno.readTextFile(second.cert)).validTo).getTime() /
          1000,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
      assert.match(
        metrics,
        new RegExp(`^dmp_dot_certificate_expiry_timestamp_seconds ${notAfter}(\\.0)?$`, "m"),
        metrics,
      );
      assert.match(metrics, /^dmp_dot_certificate_reloads_total\{result="rejected"\} [1-9]/m);
      assert.match(metrics, /^dmp_dot_certificate_reloads_total\{result="loaded"\} [2-9]/m);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name:
    "DoT on the Deno runtime: kdig gets verified, padded answers with keepalive; TLS 1.1 refused",
  ...opts,
  async fn() {
    const ca = await makeTestCa();
    const cert = await issueServerCertificate(ca, "server", { hostname: HOST });
    const { db, node, dotPort } = await dotNode(cert, {}, "deno");
    try {
      const r = await kdigTls(dotPort, ca, `big.${ZONE}`, "TXT", ["+ednsopt=11", "+padding"]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /status: NOERROR/);
      assert.match(r.out, /Option \(11\): 0032/, "the default 5 s idle timeout");
      assert.equal(receivedBytes(r.out), 936);
      const alpn = await sClient(dotPort, ["-alpn", "dot", "-CAfile", ca.pem]);
      assert.match(alpn, /ALPN protocol: dot/, alpn);
      const old = await sClient(dotPort, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
      assert.match(old, /no peer certificate available/, old);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

/** A raw TCP connection to the DoT port from `from` that records when it is closed. */
function rawConnection(from: string, port: number) {
  const c = { sock: net.connect({ host: "127.0.0.1", port, localAddress: from }), closed: false };
  c.sock.on("error", () => {});
  c.sock.on("close", () => c.closed = true);
  return c;
}

Deno.test({
  name:
    "DoT applies the TCP limits: per-address cap and handshake deadline before TLS, idle timeout after",
  ...opts,
  async fn() {
    const ca = await makeTestCa();
    const cert = await issueServerCertificate(ca, "server", { hostname: HOST });
    const { db, node, dotPort } = await dotNode(cert, {
      DMP_DNS_MAX_TCP_PER_ADDRESS: "2",
      DMP_DNS_TCP_MESSAGE_TIMEOUT: "3",
      DMP_DNS_TCP_IDLE_TIMEOUT: "2",
    });
    const raws: ReturnType<typeof rawConnection>[] = [];
    try {
      // Two silent connections (no ClientHello) from one address fill its cap: a third is refused.
      raws.push(rawConnection("127.0.0.2", dotPort), rawConnection("127.0.0.2", dotPort));
      await new Promise((r) => setTimeout(r, 300));
      const third = rawConnection("127.0.0.2", dotPort);
      raws.push(third);
      assert.ok(await waitFor(() => third.closed, 2000), "a third connection from one address");
      assert.ok(!raws[0].closed && !raws[1].closed, "the first two are still within the deadline");
      // Another address is served meanwhile.
      const other = await kdigTls(dotPort, ca, ZONE, "SOA", ["-b", "127.0.0.3"]);
      assert.match(other.out, /status: NOERROR/, other.out);
      // A handshake that never starts is cut off by the message deadline (3 s), not left open.
      assert.ok(await waitFor(() => raws[0].closed && raws[1].closed, 8000), "silent handshakes");

      // After the handshake, a connection with no query is closed after the idle timeout.
      const started = Date.now();
      let secureAt = 0;
      let closedAt = 0;
      const t = tls.connect({
        host: "127.0.0.1",
        port: dotPort,
        ca: await Deno.readTextFile(ca.pem),
        servername: HOST,
        ALPNProtocols: ["dot"],
      });
      t.on("secureConnect", () => secureAt = Date.now());
      t.on("error", () => {});
      t.on("close", () => closedAt = Date.now());
      assert.ok(await waitFor(() => closedAt > 0, 10000), "an idle DoT connection is closed");
      assert.ok(secureAt > 0, "the handshake completed first");
      assert.equal(t.alpnProtocol, "dot");
      assert.ok(closedAt - secureAt >= 1500, `closed ${closedAt - secureAt} ms after handshake`);
      assert.ok(closedAt - started < 10000);
    } finally {
      for (const r of raws) r.sock.destroy();
      await node.stop();
      db.client.close();
    }
  },
});

/** A TLS connection to the DoT port (handshake done when it resolves) that records its closing. */
async function tlsConnection(port: number, ca: TestCa) {
  const c = {
    sock: tls.connect({
      host: "127.0.0.1",
      port,
      ca: await Deno.readTextFile(ca.pem),
      servername: HOST,
      ALPNProtocols: ["dot"],
    }),
    closed: false,
    secure: false,
  };
  c.sock.on("error", () => {});
  c.sock.on("close", () => c.closed = true);
  c.sock.on("secureConnect", () => c.secure = true);
  assert.ok(await waitFor(() => c.secure || c.closed, 5000) && c.secure, "handshake");
  return c;
}

Deno.test({
  name:
    "DoT at its connection cap closes the longest-idle connection for a newcomer (RFC 7766 §6.2.3)",
  ...opts,
  async fn() {
    const ca = await makeTestCa();
    const cert = await issueServerCertificate(ca, "server", { hostname: HOST });
    const { db, node, dotPort } = await dotNode(cert, {
      DMP_DNS_MAX_TCP_CONNECTIONS: "2",
      DMP_DNS_TCP_IDLE_TIMEOUT: "30",
    });
    const conns: Awaited<ReturnType<typeof tlsConnection>>[] = [];
    try {
      conns.push(await tlsConnection(dotPort, ca));
      await new Promise((r) => setTimeout(r, 100));
      conns.push(await tlsConnection(dotPort, ca));
      const r = await kdigTls(dotPort, ca, ZONE, "SOA");
      assert.match(r.out, /status: NOERROR/, r.out);
      assert.ok(
        await waitFor(() => conns[0].closed, 3000),
        "the longest-idle connection made room",
      );
      assert.ok(!conns[1].closed, "the other one stays (30 s idle timeout)");
    } finally {
      for (const c of conns) c.sock.destroy();
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name: "DoT settings that cannot work stop start-up with the reason",
  ...opts,
  async fn() {
    const ca = await makeTestCa();
    const a = await issueServerCertificate(ca, "a", { hostname: HOST });
    const b = await issueServerCertificate(ca, "b", { hostname: HOST });
    const cases: [Record<string, string>, RegExp][] = [
      [{ DMP_DOT_CERT_FILE: a.cert }, /DMP_DOT_KEY_FILE is unset/],
      [
        { DMP_DOT_CERT_FILE: a.cert, DMP_DOT_KEY_FILE: b.key },
        /DoT certificate .* does not load: .*key values mismatch/,
      ],
      [
        { DMP_DOT_CERT_FILE: `${ca.dir}/missing.pem`, DMP_DOT_KEY_FILE: a.key },
        /Cannot read the DoT certificate .*missing\.pem/,
      ],
    ];
    for (const [env, why] of cases) {
      const err = await startNodeProcess({
        env: { ...env, DMP_DOT_PORT: String(await freePort()) },
      })
        .then(async (n) => {
          await n.stop();
          return undefined;
        }, (e) => e);
      assert.ok(err instanceof NodeStartError, `started with ${JSON.stringify(env)}`);
      assert.match(err.message, why);
    }
  },
});
