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
