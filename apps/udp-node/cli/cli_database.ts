/**
 * Which database a `dmp` command opens, and a clear message when it cannot.
 *
 * `--db URL`, else DMP_DB_URL, else DMP_DB_PATH; with none of them, inside a
 * checkout where `dmp start` has run, the local stack's database (and its TSIG
 * sealing key), so the commands the start banner prints work as printed. The
 * choice is said on stderr, since writing to the wrong database is silent.
 *
 * @module
 */

import process from "node:process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ENV_VARS, loadConfig } from "../../../packages/core/config/env.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import type { DbHandle } from "../db_client.ts";
import { redactDatabaseUrl } from "../database_url.ts";
import { dataDirFor, localStack, readStackState } from "../local_stack.ts";

type Env = Record<string, string | undefined>;

/** The database a command will open. */
export interface CliDatabase {
  /** the environment to load the config from (DMP_DB_URL and maybe DMP_TSIG_SECRET_KEY set) */
  env: Env;
  url: string;
  /** where the choice came from, for the stderr note and error messages */
  source: string;
  /** the local stack's data directory when the database is the local stack's */
  stackDir?: string;
}

/** A database that cannot be opened; the message names it and says what to do. */
export class DatabaseOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseOpenError";
  }
}

function set(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== "";
}

function sameDatabase(a: string, b: string, cwd: string): boolean {
  const path = (u: string) =>
    u.startsWith("file:") ? "file:" + resolve(cwd, u.slice(5).split("?")[0]) : u.replace(/\/$/, "");
  return path(a) === path(b);
}

/** Chooses the database for a command run in `cwd` (see the module doc). */
export function resolveCliDatabase(env: Env, dbFlag: string | undefined, cwd: string): CliDatabase {
  const dataDir = dataDirFor(env.DMP_DATA_DIR, cwd);
  const stack = dataDir && existsSync(dataDir) ? localStack(dataDir) : undefined;
  const stackUrl = stack ? readStackState(stack)?.dbUrl ?? `file:${stack.database}` : undefined;
  let url: string;
  let source: string;
  if (set(dbFlag)) [url, source] = [dbFlag, "--db"];
  else if (set(env.DMP_DB_URL)) [url, source] = [env.DMP_DB_URL, "DMP_DB_URL"];
  else if (set(env.DMP_DB_PATH)) [url, source] = [`file:${env.DMP_DB_PATH}`, "DMP_DB_PATH"];
  else if (stackUrl) [url, source] = [stackUrl, `the local stack in ${stack!.dataDir}`];
  else [url, source] = [`file:${ENV_VARS.DMP_DB_PATH.default}`, "the DMP_DB_PATH default"];
  const out: Env = { ...env, DMP_DB_URL: url };
  const isStack = stack && stackUrl && sameDatabase(url, stackUrl, cwd);
  // The stack's edge and nodes seal TSIG secrets with its key file; a key made with any
  // other key would be unreadable to them (BADKEY).
  if (isStack && !set(env.DMP_TSIG_SECRET_KEY) && existsSync(stack.sealingKey)) {
    out.DMP_TSIG_SECRET_KEY = readFileSync(stack.sealingKey, "utf8").trim();
  }
  return { env: out, url, source, stackDir: isStack ? stack.dataDir : undefined };
}

/** Why an open failed, in words, from libSQL's error (message, code, cause). */
function explain(db: CliDatabase, e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { code?: string } };
  const text = `${err?.message ?? e} ${err?.code ?? ""} ${err?.cause?.code ?? ""}`;
  const where = `database ${redactDatabaseUrl(db.url)} (from ${db.source})`;
  const choose = "choose one with --db URL or DMP_DB_URL";
  if (db.url.startsWith("file:")) {
    const path = db.url.slice(5).split("?")[0];
    if (!existsSync(dirname(resolve(path)))) {
      return `cannot open ${where}: directory ${dirname(resolve(path))} does not exist; ${choose}` +
        ", or run inside a checkout after `npm start`";
    }
    if (/: 14\b|CANTOPEN|unable to open/i.test(text)) {
      return `cannot open ${where}: the file cannot be opened (permissions?); ${choose}`;
    }
    if (/NOTADB|not a database/i.test(text)) return `cannot open ${where}: not a libSQL database`;
  } else {
    if (/ECONNREFUSED|fetch failed|ENOTFOUND|EAI_AGAIN|ECONNRESET/i.test(text)) {
      const hint = db.stackDir ? " (start it with `npm start -- --sqld`)" : "";
      return `cannot reach ${where}: is the server running?${hint} (${
        err?.cause?.code ?? "connection failed"
      })`;
    }
    if (/\b401\b|\b403\b|unauthori[sz]ed/i.test(text)) {
      return `${where} refused the credentials: set DMP_DB_AUTH_TOKEN`;
    }
  }
  return `cannot use ${where}: ${redactDatabaseUrl(String(err?.message ?? e))}`;
}

/** Opens and migrates the database; failures become a {@linkcode DatabaseOpenError}. */
export async function openCliDatabase(db: CliDatabase): Promise<DbHandle> {
  let handle: DbHandle | undefined;
  try {
    // Loaded here, not with the CLI: `dmp node` never opens a database on its DNS thread.
    const { openDatabase } = await import("../db_client.ts");
    handle = await openDatabase(loadConfig(db.env));
    await migrate(handle.client);
    return handle;
  } catch (e) {
    handle?.client.close();
    if ((e as Error)?.name === "ConfigError") throw e;
    throw new DatabaseOpenError(explain(db, e));
  }
}

/** Opens (and migrates) the database a command run here is for, saying on stderr which one. */
export async function openForCommand(env: Env, dbFlag: string | undefined): Promise<DbHandle> {
  const chosen = resolveCliDatabase(env, dbFlag, process.cwd());
  process.stderr.write(`dmp: database ${redactDatabaseUrl(chosen.url)} (${chosen.source})\n`);
  return await openCliDatabase(chosen);
}
