/**
 * Finds references to a JavaScript runtime in TypeScript source: imports of
 * Node built-ins (`node:*` or a bare built-in name such as `fs`), and the
 * runtime globals `Deno`, `Buffer`, `process`, `require`, `Bun`,
 * `__dirname` and `__filename`. Comments and string contents are skipped by a
 * small lexer (strings, template literals with `${}` nesting, regular
 * expression literals), so a comment that says "no `Deno.*`" is not a hit.
 * Used by `tests/layout/core_runtime_free.test.ts` to keep `packages/core`
 * runtime-neutral.
 *
 * @module
 */

import { builtinModules } from "node:module";

/** One runtime reference found in a source text. */
export interface RuntimeReference {
  /** 1-based line */
  line: number;
  /** what was found: `import node:dgram`, `Deno`, `process`, … */
  what: string;
}

/** Globals that exist only in a server runtime (Deno, Node, Bun). */
const RUNTIME_GLOBALS = new Set([
  "Deno",
  "Buffer",
  "process",
  "require",
  "Bun",
  "__dirname",
  "__filename",
]);
const NODE_BUILTINS = new Set(builtinModules);
/** Words after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "case",
  "of",
  "in",
  "void",
  "delete",
  "throw",
  "new",
  "await",
  "yield",
  "else",
  "do",
]);

interface Lexed {
  /** the source with comments and string contents blanked (same offsets) */
  code: string;
  /** every string literal (not template) with its offset */
  strings: { offset: number; value: string }[];
}

/** Blanks comments and literal contents, keeping offsets and newlines. */
function lex(src: string): Lexed {
  const out = src.split("");
  const strings: { offset: number; value: string }[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  /** open `${` depths of template literals we are inside of */
  const templates: number[] = [];
  let braces = 0;
  let i = 0;
  let lastSignificant = "";
  let lastWord = "";
  const n = src.length;
  const skipTemplateText = (start: number): number => {
    // From just after "`" or "}" of a substitution: to the closing "`" or a "${".
    let k = start;
    while (k < n) {
      if (src[k] === "\\") k += 2;
      else if (src[k] === "`") {
        blank(start, k);
        return k + 1;
      } else if (src[k] === "$" && src[k + 1] === "{") {
        blank(start, k);
        templates.push(braces);
        braces++;
        return k + 2;
      } else k++;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      let value = "";
      while (k < n && src[k] !== c && src[k] !== "\n") {
        if (src[k] === "\\") {
          value += src[k + 1] ?? "";
          k += 2;
        } else value += src[k++];
      }
      strings.push({ offset: i, value });
      blank(i + 1, k);
      i = k + 1;
      lastSignificant = c;
      lastWord = "";
    } else if (c === "`") {
      i = skipTemplateText(i + 1);
      lastSignificant = "`";
      lastWord = "";
    } else if (c === "/") {
      const regex = lastSignificant === "" || "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant) ||
        REGEX_AFTER_WORDS.has(lastWord);
      if (regex) {
        let k = i + 1;
        let inClass = false;
        while (k < n && src[k] !== "\n") {
          if (src[k] === "\\") k += 2;
          else if (src[k] === "[") inClass = true, k++;
          else if (src[k] === "]") inClass = false, k++;
          else if (src[k] === "/" && !inClass) break;
          else k++;
        }
        blank(i + 1, k);
        i = k + 1;
        lastSignificant = "/";
        lastWord = "";
      } else {
        lastSignificant = "/";
        lastWord = "";
        i++;
      }
    } else if (c === "{") {
      braces++;
      lastSignificant = c;
      lastWord = "";
      i++;
    } else if (c === "}") {
      braces--;
      if (templates.length && templates[templates.length - 1] === braces) {
        templates.pop();
        i = skipTemplateText(i + 1);
        lastSignificant = "`";
      } else {
        lastSignificant = c;
        i++;
      }
      lastWord = "";
    } else if (/[A-Za-z_$]/.test(c)) {
      let k = i;
      while (k < n && /[\w$]/.test(src[k])) k++;
      lastWord = src.slice(i, k);
      lastSignificant = "a";
      i = k;
    } else {
      if (!/\s/.test(c)) {
        lastSignificant = c;
        lastWord = "";
      }
      i++;
    }
  }
  return { code: out.join(""), strings };
}

function lineOf(src: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (src.charCodeAt(k) === 10) line++;
  return line;
}

/**
 * Lists the runtime references of one TypeScript source text.
 *
 * @param src the file's text
 * @returns each reference with its line, in source order
 */
export function findRuntimeReferences(src: string): RuntimeReference[] {
  const { code, strings } = lex(src);
  const found: { offset: number; what: string }[] = [];
  for (const s of strings) {
    const before = code.slice(Math.max(0, s.offset - 40), s.offset);
    if (!/(?:\bfrom|\bimport\s*\(?|\brequire\s*\()\s*$/.test(before)) continue;
    const spec = s.value;
    if (
      spec.startsWith("node:") || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split("/")[0])
    ) {
      found.push({ offset: s.offset, what: `import ${spec}` });
    }
  }
  for (const m of code.matchAll(/(?<![\w$])[A-Za-z_$][\w$]*/g)) {
    const name = m[0];
    if (!RUNTIME_GLOBALS.has(name)) continue;
    const offset = m.index!;
    const before = code.slice(Math.max(0, offset - 40), offset);
    // `x.process` is a property, not the global, unless x is the global object.
    if (/\.\s*$/.test(before) && !/(?<![\w$])(?:globalThis|self|window)\s*\.\s*$/.test(before)) {
      continue;
    }
    // An object key or a typed parameter named like a global (`{ process: 1 }`).
    if (/^\s*\??:/.test(code.slice(offset + name.length)) && /[{,(]\s*$/.test(before)) continue;
    found.push({ offset, what: name });
  }
  return found.sort((a, b) => a.offset - b.offset).map((f) => ({
    line: lineOf(src, f.offset),
    what: f.what,
  }));
}
