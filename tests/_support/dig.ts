/**
 * Runs the real `dig` / `kdig` against a server and parses what tests assert
 * on: status, flags, and the records of each section.
 *
 * @module
 */

/** One RR line of dig output. */
export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

/** Parsed dig output. */
export interface DigResult {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  ednsUdp?: number;
  ednsStatus?: string;
  raw: string;
}

/** Runs a command with a hard timeout; returns stdout+stderr and the exit code. */
export async function run(
  cmd: string,
  args: string[],
  options: { timeoutMs?: number; stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: options.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? 15000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Queries `name`/`type` at 127.0.0.1:port with dig (or kdig); extra args go through. */
export async function dig(
  port: number,
  name: string,
  type: string,
  extra: string[] = [],
  tool: "dig" | "kdig" = "dig",
): Promise<DigResult> {
  // Three tries over UDP: with one, a reply late by more than +time under a
  // loaded machine read as "no answer" (status NONE) and failed the test. No
  // test expects a dig timeout; retransmissions keep the query ID.
  const base = tool === "dig"
    ? ["@127.0.0.1", "-p", String(port), name, type, "+norec", "+tries=3", "+time=2", "+ignore"]
    : ["@127.0.0.1", "-p", String(port), name, type, "+norec", "+retry=2", "+time=2", "+ignore"];
  const r = await run(tool, [...base, ...extra]);
  return parseDig(r.stdout + r.stderr);
}

/** Parses dig/kdig text output. */
export function parseDig(raw: string): DigResult {
  const status = /status: ([A-Z]+)/.exec(raw)?.[1] ?? "NONE";
  const flagsText = /;; flags: ([a-z ]*);/i.exec(raw)?.[1] ??
    /;; Flags: ([a-z ]*);/i.exec(raw)?.[1] ?? "";
  const ednsUdp = /udp: (\d+)/i.exec(raw)?.[1] ?? /UDP size: (\d+)/i.exec(raw)?.[1];
  const ednsStatus = /EDNS: version: \d+, flags:[^;]*; udp: \d+[\s\S]*?/.test(raw)
    ? /;; ->>HEADER<<-.*status: ([A-Z]+)/.exec(raw)?.[1]
    : undefined;
  const sections: Record<string, DigRecord[]> = { answer: [], authority: [], additional: [] };
  let current: string | undefined;
  for (const line of raw.split("\n")) {
    const m = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/i.exec(line);
    if (m) {
      current = m[1].toLowerCase();
      continue;
    }
    if (line.trim() === "" || line.startsWith(";")) {
      if (line.trim() === "") current = undefined;
      continue;
    }
    if (!current) continue;
    const parts = line.split(/\s+/);
    // name ttl [class] type data...
    let i = 2;
    if (parts[i] === "IN") i++;
    sections[current].push({
      name: parts[0],
      ttl: Number(parts[1]),
      type: parts[i],
      data: parts.slice(i + 1).join(" "),
    });
  }
  return {
    status,
    flags: flagsText.trim().split(/\s+/).filter(Boolean),
    answer: sections.answer,
    authority: sections.authority,
    additional: sections.additional,
    ednsUdp: ednsUdp ? Number(ednsUdp) : undefined,
    ednsStatus,
    raw,
  };
}

/** Joins the quoted character-strings of a TXT data field. */
export function txtJoin(data: string): string {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(data))) {
    out.push(
      m[1].replace(/\\(\d{3}|.)/g, (_, e) => e.length === 3 ? String.fromCharCode(Number(e)) : e),
    );
  }
  return out.join("");
}

/** Lengths of the character-strings of a TXT data field. */
export function txtStringLengths(data: string): number[] {
  const out: number[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(data))) out.push(m[1].replace(/\\(\d{3}|.)/g, "x").length);
  return out;
}
