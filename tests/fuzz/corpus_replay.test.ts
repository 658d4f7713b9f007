/**
 * Replays the fuzz corpus of every decoder (`tests/testdata/fuzz/<target>/`,
 * grown by `bench/fuzz/run.ts`, crash reproducers included): no input may
 * crash a decoder or take more than a second. The corpus must be there and
 * reach several distinct outcomes per target, so an emptied or degenerate
 * corpus fails rather than replaying nothing.
 */
import assert from "node:assert/strict";
import { FUZZ_TARGETS, readCorpus } from "./fuzz_targets.ts";

Deno.test("the fuzz corpus of every decoder replays without a crash", async (t) => {
  for (const target of FUZZ_TARGETS) {
    await t.step(target.name, async () => {
      const corpus = await readCorpus(target.name);
      assert.ok(corpus.length >= 20, `${target.name}: only ${corpus.length} corpus files`);
      const outcomes = new Set<string>();
      for (const { file, bytes } of corpus) {
        const t0 = performance.now();
        let outcome: string;
        try {
          outcome = await target.run(bytes);
        } catch (e) {
          throw new Error(`${target.name}/${file} crashes the decoder: ${e}`);
        }
        const ms = performance.now() - t0;
        assert.ok(ms < 1000, `${target.name}/${file} took ${Math.round(ms)} ms`);
        outcomes.add(outcome);
      }
      assert.ok(outcomes.size >= 10, `${target.name}: ${outcomes.size} distinct outcomes`);
    });
  }
});
