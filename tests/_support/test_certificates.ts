/**
 * A throwaway certificate authority and server certificates made with the
 * real `openssl` command in a temp dir, for TLS tests (DoT).
 *
 * @module
 */

import { run } from "./dig.ts";

/** A CA whose certificate clients trust (`pem`), able to issue server certificates. */
export interface TestCa {
  dir: string;
  /** path of the CA certificate (PEM) */
  pem: string;
  key: string;
}

/** A server certificate and its key, as files. */
export interface ServerCertificate {
  cert: string;
  key: string;
}

let serial = 1000;

async function openssl(args: string[]): Promise<void> {
  const r = await run("openssl", args, { timeoutMs: 20000 });
  if (r.code !== 0) {
    throw new Error(
      `openssl ${args[0]} failed (${r.code}): ${r.stderr}\n` +
        "(Debian: apt-get install openssl)",
    );
  }
}

/** Makes a CA (P-256, valid two days) in a fresh temp dir. */
export async function makeTestCa(): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "dmp-tls-" });
  const ca = { dir, pem: `${dir}/ca.pem`, key: `${dir}/ca.key` };
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    ca.key,
    "-out",
    ca.pem,
    "-days",
    "2",
    "-subj",
    "/CN=dmp test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  return ca;
}

/**
 * Issues a server certificate for `hostname` (subject CN `cn`, SAN the host
 * name and 127.0.0.1) into `<dir>/<label>.{pem,key}`; `days` < 0 makes one
 * that has already expired. A fresh key unless `reuseKey` names a key file.
 */
export async function issueServerCertificate(
  ca: TestCa,
  label: string,
  options: { hostname: string; cn?: string; days?: number; reuseKey?: string },
): Promise<ServerCertificate> {
  const out = { cert: `${ca.dir}/${label}.pem`, key: options.reuseKey ?? `${ca.dir}/${label}.key` };
  const csr = `${ca.dir}/${label}.csr`;
  const ext = `${ca.dir}/${label}.ext`;
  await Deno.writeTextFile(
    ext,
    `subjectAltName=DNS:${options.hostname},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    "req",
    "-new",
    ...(options.reuseKey
      ? ["-key", options.reuseKey]
      : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", out.key]),
    "-out",
    csr,
    "-subj",
    `/CN=${options.cn ?? options.hostname}`,
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.pem,
    "-CAkey",
    ca.key,
    "-set_serial",
    String(serial++),
    "-out",
    out.cert,
    // openssl 3.0 takes a negative day count: notAfter before now, an expired certificate.
    "-days",
    String(options.days ?? 1),
    "-extfile",
    ext,
  ]);
  return out;
}
