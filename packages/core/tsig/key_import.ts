/**
 * Importing existing TSIG keys (issue 16): an operator moving from BIND keeps
 * the `tsig-keygen` keys its secondaries and ACME clients already use. Reads
 * BIND's `key "name" { algorithm A; secret "B64"; };` statements and checks
 * an imported key the same way for the CLI and the operator API.
 *
 * Error messages name the key and the field, never the secret.
 *
 * This module is browser compatible.
 * @module
 */

import { decodeBase64Strict } from "../dmp/base64_strict.ts";
import { canonicalName, isValidOwnerName } from "../wire/name.ts";
import { canonicalAlgorithmName, tsigAlgorithm } from "./algorithm.ts";

/** Shortest secret accepted, in bytes: 128 bits (RFC 8945 §6 asks for keys as long as the hash; tsig-keygen makes them so). */
export const MIN_SECRET_BYTES = 16;
/** Longest secret accepted, in bytes (HMAC hashes longer keys anyway; a cap bounds input). */
export const MAX_SECRET_BYTES = 512;
/** Most keys one file may hold. */
export const MAX_KEYS_PER_FILE = 64;

/** A key to import: canonical name and algorithm, the secret bytes. */
export interface ImportedKey {
  name: string;
  algorithm: string;
  secret: Uint8Array;
}

/** Why a key cannot be imported; `field` is `name`, `algorithm`, `secret` or `file`. */
export class KeyImportError extends Error {
  /** @param field the part at fault */
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = "KeyImportError";
  }
}

/**
 * Checks one key given as text: a valid name, a supported HMAC algorithm, a
 * strict base64 secret of {@linkcode MIN_SECRET_BYTES}..{@linkcode MAX_SECRET_BYTES}
 * bytes. Throws {@linkcode KeyImportError}.
 *
 * @example
 * ```ts
 * import { checkImportedKey } from "./key_import.ts";
 * const k = checkImportedKey("XFR.", "HMAC-SHA256", "AAAAAAAAAAAAAAAAAAAAAA==");
 * if (k.name !== "xfr" || k.algorithm !== "hmac-sha256" || k.secret.length !== 16) throw new Error();
 * ```
 */
export function checkImportedKey(name: string, algorithm: string, secret: string): ImportedKey {
  const n = canonicalName(name.trim());
  if (n === "" || !isValidOwnerName(n)) {
    throw new KeyImportError("name", `invalid key name: ${JSON.stringify(name)}`);
  }
  const alg = tsigAlgorithm(algorithm.trim());
  if (!alg) {
    throw new KeyImportError(
      "algorithm",
      `key ${n}: unsupported algorithm ${JSON.stringify(algorithm)} (hmac-sha1/224/256/384/512)`,
    );
  }
  const bytes = decodeBase64Strict(secret.trim());
  if (!bytes) throw new KeyImportError("secret", `key ${n}: the secret is not valid base64`);
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new KeyImportError(
      "secret",
      `key ${n}: the secret must be ${MIN_SECRET_BYTES}..${MAX_SECRET_BYTES} bytes, it is ${bytes.length}`,
    );
  }
  return { name: n, algorithm: canonicalAlgorithmName(alg.name), secret: bytes };
}

/**
 * Reads every `key` statement of a BIND configuration fragment (the output
 * of `tsig-keygen`, or a `named.conf` include). Comments (`#`, `//`,
 * `/* *\/`) are skipped; statements other than `key` are refused, so a
 * wrong file is noticed. Throws {@linkcode KeyImportError}.
 *
 * @example
 * ```ts
 * import { parseBindKeyFile } from "./key_import.ts";
 * const [k] = parseBindKeyFile('key "xfr" {\n algorithm hmac-sha256;\n secret "AAAAAAAAAAAAAAAAAAAAAA==";\n};\n');
 * if (k.name !== "xfr") throw new Error();
 * ```
 */
export function parseBindKeyFile(text: string): ImportedKey[] {
  if (text.length > 1024 * 1024) throw new KeyImportError("file", "key file larger than 1 MiB");
  const tokens = tokenize(text);
  const keys: ImportedKey[] = [];
  let i = 0;
  const next = (what: string): Token => {
    const t = tokens[i++];
    if (!t) throw new KeyImportError("file", `line ${tokens.at(-1)?.line ?? 1}: expected ${what}`);
    return t;
  };
  const expect = (value: string) => {
    const t = next(`"${value}"`);
    if (t.value !== value || t.quoted) {
      throw new KeyImportError("file", `line ${t.line}: expected "${value}"`);
    }
  };
  while (i < tokens.length) {
    const kw = next("key");
    if (kw.value.toLowerCase() !== "key" || kw.quoted) {
      throw new KeyImportError("file", `line ${kw.line}: expected a key statement`);
    }
    const name = next("a key name");
    expect("{");
    let algorithm: string | undefined;
    let secret: string | undefined;
    for (;;) {
      const field = next("algorithm, secret or }");
      if (field.value === "}" && !field.quoted) break;
      const value = next(`a value for ${field.value}`);
      expect(";");
      const f = field.value.toLowerCase();
      if (f === "algorithm") algorithm = value.value;
      else if (f === "secret") secret = value.value;
      else {
        throw new KeyImportError("file", `line ${field.line}: unknown key field ${field.value}`);
      }
    }
    expect(";");
    if (algorithm === undefined || secret === undefined) {
      throw new KeyImportError(
        "file",
        `line ${name.line}: key ${name.value} needs algorithm and secret`,
      );
    }
    const key = checkImportedKey(name.value, algorithm, secret);
    if (keys.some((k) => k.name === key.name)) {
      throw new KeyImportError("file", `line ${name.line}: key ${key.name} appears twice`);
    }
    keys.push(key);
    if (keys.length > MAX_KEYS_PER_FILE) {
      throw new KeyImportError("file", `more than ${MAX_KEYS_PER_FILE} keys in one file`);
    }
  }
  if (keys.length === 0) throw new KeyImportError("file", "no key statement found");
  return keys;
}

interface Token {
  value: string;
  quoted: boolean;
  line: number;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new KeyImportError("file", `line ${line}: unterminated comment`);
      for (let j = i; j < end; j++) if (text[j] === "\n") line++;
      i = end + 2;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0 || text.slice(i + 1, end).includes("\n")) {
        throw new KeyImportError("file", `line ${line}: unterminated string`);
      }
      out.push({ value: text.slice(i + 1, end), quoted: true, line });
      i = end + 1;
    } else if (c === "{" || c === "}" || c === ";") {
      out.push({ value: c, quoted: false, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};"#]/.test(text[j])) j++;
      out.push({ value: text.slice(i, j), quoted: false, line });
      i = j;
    }
  }
  return out;
}
