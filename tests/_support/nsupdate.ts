/**
 * Drives the real `nsupdate` and `knsupdate` against a node.
 *
 * @module
 */

import { run } from "./dig.ts";

/** Result of one nsupdate run: exit code and the error it printed (e.g. "REFUSED", "NOTAUTH(BADSIG)"). */
export interface UpdateResult {
  code: number;
  error: string;
  output: string;
}

/** Sends `lines` (nsupdate commands without server/zone/send) with `nsupdate -y KEY` (or unsigned). */
export async function nsupdate(
  port: number,
  zone: string,
  lines: string[],
  options: { key?: string; tcp?: boolean; extraArgs?: string[] } = {},
): Promise<UpdateResult> {
  const script = [`server 127.0.0.1 ${port}`, `zone ${zone}`, ...lines, "send", ""].join("\n");
  const args = [
    "-t",
    "4",
    ...(options.tcp ? ["-v"] : []),
    ...(options.key ? ["-y", options.key] : []),
    ...(options.extraArgs ?? []),
  ];
  const r = await run("nsupdate", args, { stdin: script, timeoutMs: 20000 });
  const out = r.stdout + r.stderr;
  return { code: r.code, error: /update failed: (\S+)/.exec(out)?.[1] ?? "", output: out };
}

/** Same with `knsupdate` (Knot); `key` as `alg:name:secret`. */
export async function knsupdate(
  port: number,
  zone: string,
  lines: string[],
  key?: string,
): Promise<UpdateResult> {
  const script = [
    `server 127.0.0.1 ${port}`,
    `zone ${zone}`,
    ...(key ? [`key ${key.replace(/^([^:]+):([^:]+):/, "$1:$2 ")}`] : []),
    ...lines,
    "send",
    "",
  ].join("\n");
  const r = await run("knsupdate", [], { stdin: script, timeoutMs: 20000 });
  const out = r.stdout + r.stderr;
  return {
    code: r.code,
    error: /(?:rcode|status|failed)[^A-Z]*([A-Z]+)/.exec(out)?.[1] ?? "",
    output: out,
  };
}

/**
 * Starts one `nsupdate -y KEY` per job, feeds each its commands up to (not
 * including) `send`, waits until every process has read them (it has then
 * loaded its key and parsed its script), and only then releases every
 * `send` at once: the UPDATEs reach the server within about a millisecond of
 * each other, as two clients racing on one name would.
 */
export async function nsupdateRace(
  jobs: { port: number; zone: string; lines: string[] }[],
  key: string,
): Promise<UpdateResult[]> {
  const enc = new TextEncoder();
  const children = jobs.map((job) => {
    const child = new Deno.Command("nsupdate", {
      args: ["-t", "4", "-y", key],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    const script = [`server 127.0.0.1 ${job.port}`, `zone ${job.zone}`, ...job.lines, ""];
    const ready = writer.write(enc.encode(script.join("\n")));
    return { child, writer, ready };
  });
  const killers = children.map(({ child }) =>
    setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 20000)
  );
  await Promise.all(children.map((c) => c.ready));
  // The pipe accepted the script; give the processes a moment to start and read it.
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all(children.map(async ({ writer }) => {
    await writer.write(enc.encode("send\n"));
    await writer.close();
  }));
  const outputs = await Promise.all(children.map(({ child }) => child.output()));
  killers.forEach(clearTimeout);
  const dec = new TextDecoder();
  return outputs.map((o) => {
    const out = dec.decode(o.stdout) + dec.decode(o.stderr);
    return { code: o.code, error: /update failed: (\S+)/.exec(out)?.[1] ?? "", output: out };
  });
}
