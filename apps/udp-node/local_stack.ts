/**
 * Where the local stack (`dmp start`, `npm start`) keeps its things, in one
 * place: the data directory (`.data/` in the checkout, or DMP_DATA_DIR) and
 * the files in it. `dmp start` writes them; the `dmp` CLI finds them by itself
 * when run inside the checkout, so the commands the start banner and the
 * README print work as printed (same database, same TSIG sealing key).
 *
 * The data directory is created 0700 and every file in it 0600: it holds the
 * operator token and the key that seals every TSIG secret.
 *
 * @module
 */

import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The data directory's name inside a checkout. */
export const DATA_DIR_NAME = ".data";

/** The files of one local stack. */
export interface LocalStack {
  /** the data directory (absolute) */
  dataDir: string;
  /** the embedded database of `dmp start` (file mode) */
  database: string;
  /** hex key that seals TSIG secrets; the edge and every node of the stack share it */
  sealingKey: string;
  /** the operator token (admin API, /metrics) */
  operatorToken: string;
  /** sqld's own directory in `--sqld` mode */
  sqldDir: string;
  /** which database the last `dmp start` served (see {@linkcode StackState}) */
  stateFile: string;
  /** the embedded replica of node `i` (0-based) in `--sqld` mode */
  replica(i: number): string;
}

/** What the last `dmp start` recorded about itself, for the CLI. */
export interface StackState {
  /** the libSQL URL writes go to: `file:…/dmp.db`, or the local sqld primary */
  dbUrl: string;
  mode: "file" | "sqld";
}

/** The files of the local stack whose data directory is `dataDir`. */
export function localStack(dataDir: string): LocalStack {
  const d = resolve(dataDir);
  return {
    dataDir: d,
    database: join(d, "dmp.db"),
    sealingKey: join(d, "tsig-sealing.key"),
    operatorToken: join(d, "operator-token"),
    sqldDir: join(d, "sqld-data"),
    stateFile: join(d, "stack.json"),
    replica: (i) => join(d, `replica-${i + 1}.db`),
  };
}

/** The nearest directory at or above `from` holding the dmp-edge package.json, if any. */
export function findCheckoutRoot(from: string): string | undefined {
  for (let dir = resolve(from);; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (pkg?.name === "dmp-edge") return dir;
    } catch {
      // no package.json here, or not JSON: keep walking up
    }
    if (dir === dirname(dir)) return undefined;
  }
}

/**
 * The data directory the local stack uses: DMP_DATA_DIR (relative to `cwd`),
 * else `.data` in the checkout holding `cwd`; undefined outside a checkout.
 */
export function dataDirFor(dataDirVar: string | undefined, cwd: string): string | undefined {
  if (dataDirVar) return resolve(cwd, dataDirVar);
  const root = findCheckoutRoot(cwd);
  return root ? join(root, DATA_DIR_NAME) : undefined;
}

/**
 * Creates the data directory 0700. An existing checkout `.data/` open to others is
 * tightened (it holds secrets); any other existing directory (DMP_DATA_DIR=/tmp, say)
 * is left alone, and the return value says it is open to others, for a warning.
 */
export function ensureDataDir(stack: LocalStack): boolean {
  mkdirSync(stack.dataDir, { recursive: true, mode: 0o700 });
  if ((statSync(stack.dataDir).mode & 0o077) === 0) return false;
  if (basename(stack.dataDir) !== DATA_DIR_NAME) return true;
  chmodSync(stack.dataDir, 0o700);
  return false;
}

/** Reads a one-line secret file, creating it (0600) with `make()` on first use. */
export function readOrCreateSecret(path: string, make: () => string): string {
  if (!existsSync(path)) writeFileSync(path, make() + "\n", { mode: 0o600, flag: "wx" });
  return readFileSync(path, "utf8").trim();
}

/** Restricts an existing file to its owner (0600); a missing file is fine. */
export function restrictFile(path: string): void {
  if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

/** Records which database this `dmp start` serves, so the CLI opens the same one. */
export function writeStackState(stack: LocalStack, state: StackState): void {
  writeFileSync(stack.stateFile, JSON.stringify(state) + "\n", { mode: 0o600 });
}

/** The state the last `dmp start` recorded, or undefined (none, or unreadable). */
export function readStackState(stack: LocalStack): StackState | undefined {
  try {
    const s = JSON.parse(readFileSync(stack.stateFile, "utf8"));
    if (typeof s?.dbUrl === "string" && (s.mode === "file" || s.mode === "sqld")) return s;
  } catch {
    // no state yet: `dmp start` has not run in this data directory
  }
  return undefined;
}
