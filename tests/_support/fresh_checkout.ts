/**
 * A fresh copy of the repository, as a new user has after `git clone` and
 * `npm install`: the tracked files (`git ls-files`) copied to a temp dir and
 * node_modules symlinked; plus what such a user does in it: `npm start`, a
 * shell to type commands into, and a check that nothing is left running.
 *
 * @module
 */

import dgram from "node:dgram";
import { dirname } from "node:path";
import { waitFor } from "./node_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Copies the tracked files of this checkout to a new temp dir; returns its path. */
export async function freshCheckout(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "dmp-checkout-" });
  const ls = await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: ROOT, stdout: "piped" })
    .output();
  const files = new TextDecoder().decode(ls.stdout).split("\0").filter(Boolean);
  for (const f of files) {
    try {
      await Deno.mkdir(`${dir}/${dirname(f)}`, { recursive: true });
      await Deno.copyFile(`${ROOT}${f}`, `${dir}/${f}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // deleted in the work tree
    }
  }
  await Deno.symlink(`${ROOT}node_modules`, `${dir}/node_modules`);
  return dir;
}

/** The environment a user's shell has in the checkout: node_modules/.bin (deno, npx) on PATH. */
export function userEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  // A clean environment: no DMP_* leaking in from the test runner.
  for (const k of ["HOME", "LANG", "TMPDIR", "TERM"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  env.PATH = `${dir}/node_modules/.bin:${Deno.env.get("PATH")}`;
  return { ...env, ...extra };
}

/** Whether `port` is free on 127.0.0.1 for both TCP and UDP. */
async function portFree(port: number): Promise<boolean> {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } catch {
    return false;
  }
  const u = dgram.createSocket("udp4");
  const ok = await new Promise<boolean>((resolve) => {
    u.once("error", () => resolve(false));
    u.bind(port, "127.0.0.1", () => resolve(true));
  });
  await new Promise<void>((r) => u.close(() => r()));
  return ok;
}

/** A port `p` such that `p` and `p + 1` are free (TCP and UDP): the --sqld stack uses both. */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    if (await portFree(p) && await portFree(p + 1)) return p;
  }
  throw new Error("no free pair of ports");
}

/** Pids of processes whose working directory or command line lies in `dir`. */
export async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      const cwd = await Deno.readLink(`/proc/${e.name}/cwd`);
      const cmd = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).replaceAll("\0", " ");
      if (cwd.startsWith(dir) || cmd.includes(dir)) found.push(`${e.name}: ${cmd}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** A running `npm start`, its combined output so far, and how to stop it. */
export interface NpmStart {
  child: Deno.ChildProcess;
  output(): string;
  done: Promise<Deno.CommandStatus>;
}

/** Runs `npm start -- ARGS` in `dir` with `env`, collecting stdout and stderr. */
export function npmStart(dir: string, args: string[], env: Record<string, string>): NpmStart {
  const child = new Deno.Command("npm", {
    args: ["start", ...(args.length ? ["--", ...args] : [])],
    cwd: dir,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s.pipeThrough(new TextDecoderStream())) out += c;
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const done = (async () => {
    const status = await child.status;
    await pumps;
    return status;
  })();
  return { child, output: () => out, done };
}

/** One command's result in a {@linkcode UserShell}. */
export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One bash, as a user's terminal: commands run one after another in the same
 * shell, so `KEY=$(...)` on one line is there for the next.
 */
export class UserShell {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #tmp: string;
  #n = 0;

  constructor(cwd: string, env: Record<string, string>, tmp: string) {
    this.#tmp = tmp;
    this.#child = new Deno.Command("bash", {
      args: ["--noprofile", "--norc"],
      cwd,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
  }

  /** Runs one command line; resolves with its status and output (bounded by `timeoutMs`). */
  async run(command: string, timeoutMs = 60_000): Promise<ShellResult> {
    const i = this.#n++;
    const f = `${this.#tmp}/cmd-${i}`;
    // Braces, not a subshell: assignments stay in this shell for the next command.
    const line =
      `{\n${command}\n} >${f}.out 2>${f}.err </dev/null; echo $? >${f}.tmp; mv ${f}.tmp ${f}.rc\n`;
    await this.#writer.write(new TextEncoder().encode(line));
    const ok = await waitFor(async () => {
      try {
        await Deno.stat(`${f}.rc`);
        return true;
      } catch {
        return false;
      }
    }, timeoutMs);
    if (!ok) throw new Error(`command did not finish in ${timeoutMs} ms: ${command}`);
    return {
      code: Number((await Deno.readTextFile(`${f}.rc`)).trim()),
      stdout: await Deno.readTextFile(`${f}.out`),
      stderr: await Deno.readTextFile(`${f}.err`),
    };
  }

  /** Ends the shell. */
  async close(): Promise<void> {
    await this.#writer.close();
    await this.#child.status;
  }
}

/** The commands of the `npm start` banner: the two-space-indented lines after "Try:". */
export function bannerCommands(output: string): string[] {
  const start = output.indexOf("Try:\n");
  if (start < 0) return [];
  const lines = output.slice(start + 5).split("\n");
  const first = lines.findIndex((l) => l.startsWith("  "));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith("  "));
  return lines.slice(first, end).map((l) => l.trim());
}

/** The commands of the ```sh blocks in README section `heading` (up to the next `## `). */
export function readmeCommands(readme: string, heading: string): string[] {
  const at = readme.indexOf(`\n## ${heading}\n`);
  if (at < 0) throw new Error(`README has no section "${heading}"`);
  const end = readme.indexOf("\n## ", at + 1);
  const section = readme.slice(at, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const m of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    commands.push(...m[1].split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")));
  }
  return commands;
}
