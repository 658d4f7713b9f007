/**
 * Command-line options of a benchmark, one parser for all of them:
 * `--name=value` and bare `--flag`, names in kebab case for the camel-case
 * fields of a defaults object, each value read by the type of its default
 * (a number, a boolean flag, a comma list), `--help` printing the usage.
 * A name not in the defaults, a value that is not a number, or a list entry
 * outside its choices stops the run with the option named.
 *
 * @module
 */

/** What an option's default may be. */
type OptionValue = number | boolean | string[];

/** How to read some options differently from their default's type. */
export interface OptionRules<T> {
  /** allowed entries of a list option, by field */
  choices?: Partial<Record<keyof T & string, readonly string[]>>;
  /** a field read by hand (its text, the options so far) instead of by type */
  custom?: Partial<Record<keyof T & string, (text: string, options: T) => void>>;
  /** another name on the command line for a field (e.g. `qps` for `qpsCap`) */
  aliases?: Record<string, keyof T & string>;
}

/** `cpu-prof` → `cpuProf`. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads `argv` over a copy of `defaults`. `rounds` is at least 1 whatever is
 * asked. `--help` (or `-h`) prints `usage` and exits 0.
 *
 * @example
 * ```ts ignore
 * const o = parseBenchOptions(Deno.args, { rounds: 3, keep: false, only: ["node", "nsd"] },
 *   "usage: deno run -A bench/x/run.ts [--rounds=3] [--keep] [--only=node,nsd]",
 *   { choices: { only: ["node", "nsd"] } });
 * ```
 */
export function parseBenchOptions<T extends { [K in keyof T]: OptionValue }>(
  argv: readonly string[],
  defaults: T,
  usage: string,
  rules: OptionRules<T> = {},
): T {
  const o = structuredClone(defaults) as T;
  const fields = o as Record<string, OptionValue>;
  for (const arg of argv) {
    const eq = arg.indexOf("=");
    const name = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^--?/, "");
    const text = eq < 0 ? "" : arg.slice(eq + 1);
    if (name === "help" || name === "h") {
      Deno.stdout.writeSync(new TextEncoder().encode(usage + "\n"));
      Deno.exit(0);
    }
    const key = (rules.aliases?.[name] ?? camel(name)) as keyof T & string;
    if (!(key in fields)) throw new Error(`unknown option ${arg}\n${usage}`);
    const custom = rules.custom?.[key];
    if (custom) {
      custom(text, o);
      continue;
    }
    const dflt = fields[key];
    if (typeof dflt === "boolean") {
      if (eq >= 0 && text !== "true" && text !== "false") {
        throw new Error(`--${name} is a flag: give it alone (or =true, =false), not ${arg}`);
      }
      fields[key] = text !== "false";
    } else if (Array.isArray(dflt)) {
      const list = text.split(",").filter(Boolean);
      const allowed = rules.choices?.[key];
      const bad = allowed ? list.find((x) => !allowed.includes(x)) : undefined;
      if (list.length === 0 || bad !== undefined) {
        throw new Error(
          `--${name}: ${bad === undefined ? "give at least one" : `unknown ${bad}`}` +
            (allowed ? ` (${allowed.join(", ")})` : ""),
        );
      }
      fields[key] = list;
    } else {
      const n = Number(text);
      if (text === "" || !Number.isFinite(n)) throw new Error(`--${name}: not a number in ${arg}`);
      fields[key] = key === "rounds" ? Math.max(1, Math.floor(n)) : n;
    }
  }
  return o;
}
