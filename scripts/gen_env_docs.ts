/**
 * Regenerates the "Environment variables" table of docs/operators.md from
 * `ENV_VARS` in packages/core/config/env.ts, so the operator's guide cannot
 * drift from what the code reads.
 *
 *     ./node_modules/.bin/deno run -A scripts/gen_env_docs.ts          # rewrite the block
 *     ./node_modules/.bin/deno run -A scripts/gen_env_docs.ts --check  # exit 1 if out of date
 *
 * The block lies between `<!-- env:begin -->` and `<!-- env:end -->`. The
 * whole document is passed through `deno fmt` so that the output is what the
 * formatter would leave (the table's column padding included).
 *
 * @module
 */

import { ENV_VARS, type EnvVarSpec } from "../packages/core/config/env.ts";

const ROOT = new URL("../", import.meta.url);
const DOC = new URL("docs/operators.md", ROOT);
const BEGIN = "<!-- env:begin -->";
const END = "<!-- env:end -->";

const COMPONENT: Record<EnvVarSpec<unknown>["scope"], string> = {
  node: "udp-node",
  edge: "edge API",
  both: "both",
};

/** Escapes text for a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A default as a cell: code for a value, words for none or empty. */
function defaultCell(d: string | undefined): string {
  if (d === undefined) return "(none)";
  if (d === "") return "(empty)";
  return "`" + d.replace(/\|/g, "\\|") + "`";
}

/** The generated table (unformatted Markdown). */
export function envTable(vars: Record<string, EnvVarSpec<unknown>> = ENV_VARS): string {
  // Source order: env.ts groups the variables by subject.
  const rows = Object.entries(vars).map(([name, s]) =>
    `| \`${name}\` | ${defaultCell(s.default)} | ${COMPONENT[s.scope]} | ${cell(s.doc)} |`
  );
  return [
    "| name | default | component | meaning |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** Replaces the block between the markers; throws when they are missing. */
export function replaceBlock(doc: string, table: string): string {
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END);
  if (b < 0 || e < 0 || e < b) {
    throw new Error(`docs/operators.md must contain ${BEGIN} … ${END}`);
  }
  return doc.slice(0, b + BEGIN.length) + "\n\n" + table + "\n\n" + doc.slice(e);
}

/** Formats Markdown with `deno fmt` and the repository's configuration. */
async function formatMarkdown(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", new URL("deno.json", ROOT).pathname, "--ext", "md", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`deno fmt failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  if (args.some((a) => a !== "--check")) {
    Deno.stderr.writeSync(new TextEncoder().encode("usage: gen_env_docs.ts [--check]\n"));
    return 2;
  }
  const current = await Deno.readTextFile(DOC);
  const next = await formatMarkdown(replaceBlock(current, envTable()));
  if (next === current) {
    Deno.stdout.writeSync(new TextEncoder().encode("docs/operators.md is up to date\n"));
    return 0;
  }
  if (check) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        "docs/operators.md is out of date with ENV_VARS: run " +
          "./node_modules/.bin/deno run -A scripts/gen_env_docs.ts\n",
      ),
    );
    return 1;
  }
  await Deno.writeTextFile(DOC, next);
  Deno.stdout.writeSync(
    new TextEncoder().encode("docs/operators.md: environment table rewritten\n"),
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
