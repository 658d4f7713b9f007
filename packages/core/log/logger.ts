/**
 * One-line-per-event logging in text or JSON (brief §1.10). The sink is passed
 * in (stdout in apps), so core never touches a runtime. Fields whose names
 * look like secrets are redacted before they reach a line.
 *
 * This module is browser compatible.
 * @module
 */

/** Severity names, reference spelling. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };
const SECRET_FIELD = /secret|token|password|authorization|mac$/i;

/** A logger bound to a component name. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

/**
 * Creates a logger writing whole lines to `sink`.
 *
 * @example
 * ```ts
 * import { createLogger } from "./logger.ts";
 * const lines: string[] = [];
 * createLogger({ name: "t", level: "INFO", format: "json", sink: (l) => lines.push(l) })
 *   .info("hello", { token: "s3cret" });
 * if (lines[0].includes("s3cret")) throw new Error("secret leaked");
 * ```
 */
export function createLogger(
  options: { name: string; level: string; format: "text" | "json"; sink: (line: string) => void },
): Logger {
  const min = ORDER[(options.level === "WARN" ? "WARNING" : options.level) as LogLevel] ?? 20;
  const emit = (name: string, level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const safe: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields ?? {})) {
      safe[k] = SECRET_FIELD.test(k) ? "[redacted]" : v;
    }
    const ts = new Date().toISOString();
    if (options.format === "json") {
      options.sink(JSON.stringify({ ts, level, logger: name, msg, ...safe }));
    } else {
      const extra = Object.entries(safe).map(([k, v]) =>
        `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
      );
      options.sink(`${ts} ${level} ${name}: ${msg}${extra.length ? " " + extra.join(" ") : ""}`);
    }
  };
  const make = (name: string): Logger => ({
    debug: (m, f) => emit(name, "DEBUG", m, f),
    info: (m, f) => emit(name, "INFO", m, f),
    warn: (m, f) => emit(name, "WARNING", m, f),
    error: (m, f) => emit(name, "ERROR", m, f),
    child: (n) => make(`${name}.${n}`),
  });
  return make(options.name);
}
