/**
 * Deployment files (issue 5, "infra/"): the shell scripts pass shellcheck and
 * run in --dry-run, the systemd units pass `systemd-analyze verify` and carry
 * the hardening directives, upgrade.sh rolls back on a failed health check,
 * the edge deployment files point at the adapters, and docs/operators.md is
 * in sync with ENV_VARS.
 *
 * Needs `shellcheck` and `systemd-analyze` (Debian: apt-get install shellcheck
 * systemd; .ci/run installs them). Caddy's check runs only where `caddy` is.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const INFRA = `${ROOT}infra`;
const UNITS = ["dmp-udp-node.service", "dmp-edge-api.service"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; clearEnv?: boolean } = {},
): Promise<Run> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    clearEnv: opts.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      const p = `${dir}/${name}`;
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return undefined;
}

function tool(name: string): string {
  const p = which(name);
  assert.ok(
    p,
    `${name} is not installed (Debian: apt-get install ${
      name === "systemd-analyze" ? "systemd" : name
    })`,
  );
  return p;
}

/** [Service] directives of a unit as name → values (a directive may repeat). */
function directives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const k = line.slice(0, eq).trim();
    m.set(k, [...(m.get(k) ?? []), line.slice(eq + 1).trim()]);
  }
  return m;
}

const shellScripts = [...Deno.readDirSync(INFRA)]
  .filter((e) => e.isFile && e.name.endsWith(".sh"))
  .map((e) => `${INFRA}/${e.name}`)
  .sort();

Deno.test("infra: shellcheck passes on infra/*.sh", async () => {
  assert.ok(shellScripts.length >= 2, "install.sh and upgrade.sh expected");
  const r = await run(tool("shellcheck"), ["--shell=bash", "--severity=style", ...shellScripts]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

for (const unit of UNITS) {
  Deno.test(`infra: systemd-analyze verify passes on ${unit}`, async () => {
    const analyze = tool("systemd-analyze");
    const dir = await Deno.makeTempDir({ prefix: "dmp-unit-" });
    try {
      // verify insists that ExecStart's binary exists: point it at one that does, same arguments.
      const exe = ["/usr/bin/node", "/usr/local/bin/node", "/bin/true", "/usr/bin/true"].find(
        (p) => {
          try {
            return Deno.statSync(p).isFile;
          } catch {
            return false;
          }
        },
      );
      assert.ok(exe);
      const text = await Deno.readTextFile(`${INFRA}/systemd/${unit}`);
      const rewritten = text.replace(/^ExecStart=(\S+)/m, `ExecStart=${exe}`);
      assert.match(rewritten, new RegExp(`^ExecStart=${exe} `, "m"));
      await Deno.writeTextFile(`${dir}/${unit}`, rewritten);
      const r = await run(analyze, ["verify", "--man=no", `${dir}/${unit}`], {
        env: { SYSTEMD_LOG_LEVEL: "info", SYSTEMD_LOG_COLOR: "0" },
      });
      const output = r.stdout + r.stderr;
      assert.equal(r.code, 0, output);
      assert.doesNotMatch(output, /Unknown|Failed|ignoring/i, output);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("infra: the udp-node unit carries every hardening directive", async () => {
  const d = directives(await Deno.readTextFile(`${INFRA}/systemd/dmp-udp-node.service`));
  const want: Record<string, string> = {
    User: "dmp",
    EnvironmentFile: "/etc/dmp-edge/node.env",
    NoNewPrivileges: "yes",
    ProtectSystem: "strict",
    ProtectHome: "yes",
    PrivateTmp: "yes",
    PrivateDevices: "yes",
    ProtectKernelTunables: "yes",
    ProtectKernelModules: "yes",
    ProtectKernelLogs: "yes",
    ProtectControlGroups: "yes",
    RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
    RestrictNamespaces: "yes",
    LockPersonality: "yes",
    RestrictRealtime: "yes",
    RestrictSUIDSGID: "yes",
    SystemCallArchitectures: "native",
    SystemCallFilter: "@system-service",
    CapabilityBoundingSet: "CAP_NET_BIND_SERVICE",
    AmbientCapabilities: "CAP_NET_BIND_SERVICE",
    StateDirectory: "dmp-edge",
    Restart: "on-failure",
    KillSignal: "SIGTERM",
  };
  for (const [k, v] of Object.entries(want)) {
    assert.deepEqual(d.get(k), [v], `${k}=${v}`);
  }
  assert.ok(d.get("TimeoutStopSec"), "TimeoutStopSec");
  // The compiled CLI (npm run build), not the TypeScript sources through tsx.
  // With the young-generation cap the benchmarks measure (bench/_support/processes.ts reads it).
  assert.deepEqual(d.get("ExecStart"), [
    "/usr/bin/node --max-semi-space-size=8 /opt/dmp-edge/dist/dmp.mjs node",
  ]);
  // The only writable path on disk is the state directory (the replica).
  assert.deepEqual(d.get("ReadWritePaths"), ["/var/lib/dmp-edge"]);
  for (const k of ["ReadWriteDirectories", "BindPaths", "CacheDirectory", "LogsDirectory"]) {
    assert.equal(d.get(k), undefined, `${k} must not be set`);
  }
  // V8 needs writable+executable memory; the reason is written down in the unit.
  assert.equal(d.get("MemoryDenyWriteExecute"), undefined);
  const text = await Deno.readTextFile(`${INFRA}/systemd/dmp-udp-node.service`);
  assert.match(text, /#.*MemoryDenyWriteExecute[\s\S]*V8/);
});

Deno.test("infra: the edge API unit is loopback-only, capability-free and hardened", async () => {
  const d = directives(await Deno.readTextFile(`${INFRA}/systemd/dmp-edge-api.service`));
  assert.deepEqual(d.get("User"), ["dmp"]);
  assert.deepEqual(d.get("CapabilityBoundingSet"), [""]);
  assert.deepEqual(d.get("ExecStart"), [
    "/usr/bin/node --import tsx /opt/dmp-edge/apps/edge-api/adapters/node.ts",
  ]);
  const env = d.get("Environment") ?? [];
  assert.ok(env.includes("DMP_HTTP_HOST=127.0.0.1"), env.join(" "));
  assert.ok(env.includes("DMP_HTTP_PORT=8053"), env.join(" "));
  assert.ok(env.includes("DMP_TRUSTED_PROXY_HEADER=x-forwarded-for"), env.join(" "));
  for (const k of ["NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"]) {
    assert.deepEqual(d.get(k), ["yes"], k);
  }
  assert.deepEqual(d.get("ProtectSystem"), ["strict"]);
  assert.deepEqual(d.get("ReadWritePaths"), ["/var/lib/dmp-edge"]);
  assert.equal(d.get("MemoryDenyWriteExecute"), undefined);
  assert.ok(
    (await Deno.stat(`${ROOT}apps/edge-api/adapters/node.ts`)).isFile,
    "the unit's entry point exists",
  );
});

Deno.test("infra: install.sh --dry-run prints the plan and the env file's mode 0640", async () => {
  const r = await run("bash", [
    `${INFRA}/install.sh`,
    "--dry-run",
    "--domain",
    "mesh.example.com",
    "--db-sync-url",
    "libsql://dmp-test.turso.io",
    "--db-auth-token",
    "sekrit-token-value",
    "--dns-port",
    "53",
  ], {
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      DMP_NODE_HOSTNAME: "dmp.example.com",
      DMP_DNS_APEX_NS: "ns1.example.com",
      DMP_HEARTBEAT_SEEDS: "peer.example.org",
    },
  });
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 0, out);
  assert.match(out, /write \/etc\/dmp-edge\/node\.env with mode 0640, owner root:dmp/);
  assert.match(out, /DMP_DOMAIN=mesh\.example\.com/);
  assert.match(out, /DMP_DB_URL=file:\/var\/lib\/dmp-edge\/replica\.db/);
  assert.match(out, /DMP_DB_SYNC_URL=libsql:\/\/dmp-test\.turso\.io/);
  assert.match(out, /DMP_DNS_PORT=53/);
  assert.match(out, /DMP_NODE_HOSTNAME=dmp\.example\.com/);
  assert.match(out, /DMP_DNS_APEX_NS=ns1\.example\.com/);
  assert.match(out, /DMP_HEARTBEAT_SEEDS=peer\.example\.org/, "other DMP_* variables pass through");
  assert.match(out, /DMP_DB_AUTH_TOKEN=<redacted>/);
  assert.doesNotMatch(out, /sekrit-token-value/, "secrets are not printed");
  assert.match(out, /npm ci --omit=dev/);
  assert.match(out, /systemctl enable --now dmp-udp-node\.service/);
  assert.match(
    out,
    /no DMP_TSIG_SECRET_KEY/,
    "a replica node without the shared key is warned about",
  );
});

Deno.test("infra: install.sh and upgrade.sh answer --help and refuse unknown flags", async () => {
  for (const script of ["install.sh", "upgrade.sh"]) {
    const help = await run("bash", [`${INFRA}/${script}`, "--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage:/);
    assert.match(help.stdout, /--dry-run/);
    const bad = await run("bash", [`${INFRA}/${script}`, "--no-such-flag"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown option/);
  }
  const r = await run("bash", [`${INFRA}/upgrade.sh`, "--dry-run"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /curl -fsS --max-time 2 http:\/\/127\.0\.0\.1:8054\/health/);
});

/** A fake host for upgrade.sh: stub systemctl/npm/node/curl, an installed old release. */
async function fakeHost(newReleaseHealthy: boolean) {
  const dir = await Deno.makeTempDir({ prefix: "dmp-upgrade-" });
  const bin = `${dir}/bin`;
  const prefix = `${dir}/opt/dmp-edge`;
  const old = `${prefix}-releases/00000000T000000Z`;
  const src = `${dir}/src`;
  for (const d of [bin, old + "/bin", src + "/bin", src + "/infra/systemd", `${dir}/units`]) {
    await Deno.mkdir(d, { recursive: true });
  }
  const stub = async (name: string, body: string) => {
    await Deno.writeTextFile(`${bin}/${name}`, `#!/bin/sh\n${body}\n`);
    await Deno.chmod(`${bin}/${name}`, 0o755);
  };
  await stub(
    "systemctl",
    `echo "systemctl $*" >> "${dir}/calls"\n[ "$1" = is-enabled ] && exit 1\nexit 0`,
  );
  await stub("journalctl", "exit 0");
  await stub("npm", `echo "npm $*" >> "${dir}/calls"`);
  await stub("node", "exit 0");
  await stub("chown", "exit 0");
  await stub("id", `[ "$1" = -u ] && { echo 0; exit 0; }\nexec /usr/bin/id "$@"`);
  // Healthy when the release the prefix points at has a HEALTHY file.
  await stub("curl", `[ -f "${prefix}/HEALTHY" ] && { echo '{"status":"ok"}'; exit 0; }\nexit 7`);
  for (const d of [old, src]) {
    await Deno.writeTextFile(`${d}/package.json`, "{}\n");
    await Deno.writeTextFile(`${d}/bin/dmp.mjs`, "\n");
  }
  await Deno.writeTextFile(`${old}/HEALTHY`, "");
  if (newReleaseHealthy) await Deno.writeTextFile(`${src}/HEALTHY`, "");
  await Deno.copyFile(
    `${INFRA}/systemd/dmp-udp-node.service`,
    `${src}/infra/systemd/dmp-udp-node.service`,
  );
  await Deno.symlink(old, prefix);
  const env = {
    PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    HOME: dir,
    DMPEDGE_UNIT_DIR: `${dir}/units`,
    DMPEDGE_CONF_DIR: `${dir}/etc`,
  };
  const upgrade = () =>
    run("bash", [
      `${INFRA}/upgrade.sh`,
      "--source",
      src,
      "--prefix",
      prefix,
      "--timeout",
      "2",
    ], { env, clearEnv: true });
  const calls = async () => await Deno.readTextFile(`${dir}/calls`).catch(() => "");
  return { dir, prefix, old, upgrade, calls };
}

Deno.test("infra: upgrade.sh switches to a healthy release", async () => {
  const h = await fakeHost(true);
  try {
    const r = await h.upgrade();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const current = await Deno.realPath(h.prefix);
    assert.notEqual(current, await Deno.realPath(h.old));
    assert.ok((await Deno.stat(`${current}/HEALTHY`)).isFile);
    const calls = await h.calls();
    assert.match(calls, /npm ci --omit=dev/);
    assert.match(calls, /systemctl restart dmp-udp-node\.service/);
    const unit = await Deno.readTextFile(`${h.dir}/units/dmp-udp-node.service`);
    assert.match(
      unit,
      new RegExp(
        `^ExecStart=\\S+/node --max-semi-space-size=8 ${h.prefix}/dist/dmp\\.mjs node$`,
        "m",
      ),
    );
  } finally {
    await Deno.remove(h.dir, { recursive: true });
  }
});

Deno.test("infra: upgrade.sh rolls back when the health check fails", async () => {
  const h = await fakeHost(false);
  try {
    const r = await h.upgrade();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /rolling back/);
    assert.equal(await Deno.realPath(h.prefix), await Deno.realPath(h.old));
    const restarts = (await h.calls()).match(/systemctl restart dmp-udp-node\.service/g) ?? [];
    assert.equal(restarts.length, 2, "the new release, then the old one");
  } finally {
    await Deno.remove(h.dir, { recursive: true });
  }
});

Deno.test("infra: wrangler.toml points at the Workers adapter with nodejs_compat and a cron", async () => {
  const text = await Deno.readTextFile(`${INFRA}/workers/wrangler.toml`);
  const main = /^main\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  assert.equal(main, "../../apps/edge-api/adapters/workers.ts");
  assert.ok(
    (await Deno.stat(new URL(main, `file://${INFRA}/workers/`))).isFile,
    "the Workers adapter exists",
  );
  assert.match(text, /^compatibility_flags\s*=\s*\[\s*"nodejs_compat"\s*\]/m);
  assert.match(text, /^\[triggers\]\s*\ncrons\s*=\s*\["[^"]+"\]/m);
  assert.match(text, /wrangler secret put DMP_DB_AUTH_TOKEN/);
  assert.match(text, /^\[vars\]/m);
  const vars = text.slice(text.indexOf("[vars]"), text.indexOf("[triggers]"));
  assert.doesNotMatch(vars, /^DMP_\w*(TOKEN|KEY|SECRET)\w*\s*=/m, "secrets are not vars");
  // Parsed by a real TOML parser (Python >= 3.11's tomllib); never skipped.
  const r = await run(tool("python3"), [
    "-c",
    "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))",
    `${INFRA}/workers/wrangler.toml`,
  ]);
  assert.equal(r.code, 0, r.stderr);
});

Deno.test("infra: Deno Deploy files point at the Deno adapter", async () => {
  const readme = await Deno.readTextFile(`${INFRA}/deno-deploy/README.md`);
  assert.match(readme, /apps\/edge-api\/adapters\/deno\.ts/);
  const config = JSON.parse(await Deno.readTextFile(`${INFRA}/deno-deploy/deno.json`));
  assert.match(config.tasks.start, /apps\/edge-api\/adapters\/deno\.ts/);
  assert.ok((await Deno.stat(`${ROOT}apps/edge-api/adapters/deno.ts`)).isFile);
});

// Never ignored: without caddy this fails with the package to install (.ci/run installs it).
Deno.test("infra: the Caddyfile is valid and proxies to 127.0.0.1:8053", async () => {
  const r = await run(
    tool("caddy"),
    ["adapt", "--config", `${INFRA}/caddy/Caddyfile`, "--adapter", "caddyfile", "--validate"],
    { env: { DMP_NODE_HOSTNAME: "dmp.example.com" } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /127\.0\.0\.1:8053/);
  assert.doesNotMatch(r.stderr, /"level":"(warn|error)"/, r.stderr);
});

Deno.test("infra: the Caddyfile reverse-proxies to the edge API and documents the trust", async () => {
  const text = await Deno.readTextFile(`${INFRA}/caddy/Caddyfile`);
  assert.match(text, /reverse_proxy 127\.0\.0\.1:8053/);
  assert.match(text, /X-Forwarded-For/);
  assert.match(text, /DMP_TRUSTED_PROXY_HEADER/);
});

Deno.test("infra: docs/operators.md is in sync with ENV_VARS (gen_env_docs.ts --check)", async () => {
  const r = await run(Deno.execPath(), ["run", "-A", "scripts/gen_env_docs.ts", "--check"], {
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = await Deno.readTextFile(`${ROOT}docs/operators.md`);
  const { ENV_VARS } = await import("../../packages/core/config/env.ts");
  for (const name of Object.keys(ENV_VARS)) assert.ok(doc.includes(`\`${name}\``), name);
});

Deno.test("infra: gen_env_docs.ts escapes cells and replaces only the marked block", async () => {
  const { envTable, replaceBlock } = await import("../../scripts/gen_env_docs.ts");
  const table = envTable({
    DMP_X: { schema: undefined as never, default: "a|b", doc: "one | two", scope: "node" },
  });
  assert.match(table, /\| `DMP_X` \| `a\\\|b` \| udp-node \| one \\\| two \|/);
  assert.throws(() => replaceBlock("no markers", table));
  const doc = replaceBlock("x\n<!-- env:begin -->\nold\n<!-- env:end -->\ny\n", table);
  assert.ok(doc.includes("DMP_X") && !doc.includes("old"));
});
