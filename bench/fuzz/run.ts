// deno-lint-ignore-file no-console -- a fuzzer prints its progress and findings
/**
 * Mutation fuzzer of the decoders in `tests/fuzz/fuzz_targets.ts` (packet
 * parser, TSIG, UPDATE, master file, DMP codecs). Not part of `npm test`,
 * which replays the stored corpus only.
 *
 * ```sh
 * deno run -A bench/fuzz/run.ts [--target packet] [--inputs 10000000] [--seed 1] [--write] [--max-corpus 64]
 * ```
 *
 * Starts from the corpus in `tests/testdata/fuzz/<target>/` (or the target's
 * seeds when it is empty), applies 1–4 stacked mutations (bit flips,
 * interesting bytes and 16-bit values, inserts, deletes, duplicated ranges,
 * splices with other corpus entries, and DNS or master-file tokens) and keeps
 * every input that reaches an outcome not seen before (the outcome string is
 * the target's coverage signal: which error, which path). `--write` stores
 * new-outcome inputs in the corpus directory, up to `--max-corpus` files per
 * target. A crash (an exception out of the target) or an input slower than
 * 1 s is always written there as `crash-<sha256>.bin` and makes the exit
 * status 1; the replay test then keeps it as a regression case.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  CORPUS_ROOT,
  FUZZ_TARGETS,
  type FuzzTarget,
  readCorpus,
} from "../../tests/fuzz/fuzz_targets.ts";
import { seededRandom } from "../../tests/_support/seeded_random.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    target: { type: "string" },
    inputs: { type: "string", default: "10000000" },
    seed: { type: "string", default: "1" },
    write: { type: "boolean", default: false },
    "max-corpus": { type: "string", default: "64" },
  },
});

const INPUTS = Number(args.inputs);
const MAX_CORPUS = Number(args["max-corpus"]);
/** In-memory corpus cap (beyond it new outcomes are counted but not mutated further). */
const MEMORY_CORPUS = 4096;
const SLOW_MS = 1000;
const MAX_LEN: Record<string, number> = { master_file: 16384 };
const TOKENS = [
  "\n",
  " ",
  "(",
  ")",
  '"',
  "\\",
  "\\255",
  "\\.",
  ";",
  "@",
  ".",
  "*",
  "$ORIGIN ",
  "$TTL ",
  "$INCLUDE ",
  " IN ",
  " TXT ",
  " SOA ",
  " A ",
  "v=dmp1;t=",
  "=",
].map((t) => new TextEncoder().encode(t));
const BYTES = [0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff];
const U16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function mutate(input: Uint8Array, corpus: Uint8Array[], rand: () => number, max: number) {
  let b = input.slice();
  const pick = (n: number) => Math.floor(rand() * n);
  const rounds = 1 + pick(4);
  for (let k = 0; k < rounds; k++) {
    const at = pick(b.length + 1);
    switch (pick(9)) {
      case 0: // flip a bit
        if (b.length) b[pick(b.length)] ^= 1 << pick(8);
        break;
      case 1: // random byte
        if (b.length) b[pick(b.length)] = pick(256);
        break;
      case 2: // interesting byte
        if (b.length) b[pick(b.length)] = BYTES[pick(BYTES.length)];
        break;
      case 3: { // interesting 16-bit value (counts, lengths, pointers), big-endian
        if (b.length >= 2) {
          const i = pick(b.length - 1);
          const v = U16[pick(U16.length)];
          b[i] = v >> 8;
          b[i + 1] = v & 0xff;
        }
        break;
      }
      case 4: { // insert random bytes
        const ins = crypto.getRandomValues(new Uint8Array(1 + pick(8)));
        for (let i = 0; i < ins.length; i++) ins[i] = pick(256);
        b = new Uint8Array([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 5: { // delete a range
        const n = 1 + pick(Math.max(1, Math.min(16, b.length - at)));
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + n)]);
        break;
      }
      case 6: { // duplicate a range
        if (!b.length) break;
        const from = pick(b.length);
        const n = 1 + pick(Math.min(32, b.length - from));
        b = new Uint8Array([
          ...b.subarray(0, at),
          ...b.subarray(from, from + n),
          ...b.subarray(at),
        ]);
        break;
      }
      case 7: { // splice with another corpus entry
        const other = corpus[pick(corpus.length)];
        const cut = pick(other.length + 1);
        b = new Uint8Array([...b.subarray(0, at), ...other.subarray(cut)]);
        break;
      }
      default: { // insert a token
        const t = TOKENS[pick(TOKENS.length)];
        b = new Uint8Array([...b.subarray(0, at), ...t, ...b.subarray(at)]);
      }
    }
  }
  return b.length > max ? b.subarray(0, max) : b;
}

async function fuzz(target: FuzzTarget, seed: number): Promise<number> {
  const dir = new URL(`${target.name}/`, CORPUS_ROOT);
  await Deno.mkdir(dir, { recursive: true });
  const stored = await readCorpus(target.name);
  let onDisk = stored.filter((s) => !s.file.startsWith("crash-")).length;
  const corpus = stored.length ? stored.map((s) => s.bytes) : await target.seeds();
  const outcomes = new Map<string, number>();
  const max = MAX_LEN[target.name] ?? 4096;
  const rand = seededRandom(seed);
  let crashes = 0;
  const save = async (bytes: Uint8Array, prefix: string) => {
    const file = `${prefix}${(await sha256Hex(bytes)).slice(0, 16)}.bin`;
    await Deno.writeFile(new URL(file, dir), bytes);
    return file;
  };
  for (const c of corpus) {
    const outcome = String(await target.run(c));
    // An empty corpus starts from the seeds: store one seed per outcome.
    if (!stored.length && args.write && !outcomes.has(outcome) && onDisk < MAX_CORPUS) {
      await save(c, "");
      onDisk++;
    }
    outcomes.set(outcome, 1);
  }
  const started = performance.now();
  for (let i = 1; i <= INPUTS; i++) {
    const input = mutate(corpus[Math.floor(rand() * corpus.length)], corpus, rand, max);
    const t0 = performance.now();
    let outcome: string;
    try {
      outcome = await target.run(input);
    } catch (e) {
      crashes++;
      const file = await save(input, "crash-");
      console.log(`${target.name}: CRASH ${file}: ${String(e).slice(0, 300)}`);
      continue;
    }
    if (performance.now() - t0 > SLOW_MS) {
      crashes++;
      console.log(
        `${target.name}: SLOW (${Math.round(performance.now() - t0)} ms) ${await save(
          input,
          "crash-",
        )}`,
      );
    }
    const seen = outcomes.get(outcome);
    if (seen === undefined) {
      outcomes.set(outcome, 1);
      if (corpus.length < MEMORY_CORPUS) corpus.push(input);
      if (args.write && onDisk < MAX_CORPUS) {
        await save(input, "");
        onDisk++;
      }
    } else outcomes.set(outcome, seen + 1);
    if (i % 1_000_000 === 0 || i === INPUTS) {
      const s = (performance.now() - started) / 1000;
      console.log(
        `${target.name}: ${i} inputs, ${Math.round(i / s)}/s, ${outcomes.size} outcomes, ` +
          `corpus ${corpus.length} (stored ${onDisk}), crashes ${crashes}`,
      );
    }
  }
  return crashes;
}

if (import.meta.main) {
  const targets = args.target ? FUZZ_TARGETS.filter((t) => t.name === args.target) : FUZZ_TARGETS;
  if (targets.length === 0) {
    console.error(
      `unknown target ${args.target}; one of ${FUZZ_TARGETS.map((t) => t.name).join(", ")}`,
    );
    Deno.exit(2);
  }
  let crashes = 0;
  for (const t of targets) crashes += await fuzz(t, Number(args.seed));
  Deno.exit(crashes ? 1 : 0);
}
