import assert from "node:assert/strict";
import { parseBenchOptions } from "./bench_options.ts";

const DEFAULTS = { duration: 15, rounds: 3, keep: false, only: ["node", "nsd"], qpsCap: 0 };
const parse = (...argv: string[]) =>
  parseBenchOptions(argv, DEFAULTS, "usage", {
    choices: { only: ["node", "nsd", "replica"] },
    aliases: { qps: "qpsCap" },
    custom: { qpsCap: (text, o) => void (o.qpsCap = text === "none" ? 0 : Number(text)) },
  });

Deno.test("parseBenchOptions: values by their default's type, kebab names, aliases", () => {
  assert.deepEqual(parse(), DEFAULTS);
  assert.deepEqual(parse("--duration=5", "--keep", "--only=replica,nsd", "--qps=2000"), {
    duration: 5,
    rounds: 3,
    keep: true,
    only: ["replica", "nsd"],
    qpsCap: 2000,
  });
  assert.equal(parse("--rounds=0").rounds, 1, "at least one round");
  assert.equal(parse("--rounds=2.7").rounds, 2);
  assert.equal(parse("--keep=false").keep, false);
  assert.deepEqual(DEFAULTS.only, ["node", "nsd"], "the defaults are not changed");
  const kebab = parseBenchOptions(["--latency-qps=7"], { latencyQps: 1 }, "usage");
  assert.equal(kebab.latencyQps, 7);
});

Deno.test("parseBenchOptions: unknown names, bad numbers and list entries are refused by name", () => {
  assert.throws(() => parse("--bogus"), /unknown option --bogus/);
  assert.throws(() => parse("--duration=x"), /--duration: not a number/);
  assert.throws(() => parse("--duration"), /--duration: not a number/);
  assert.throws(() => parse("--only=node,bind"), /--only: unknown bind \(node, nsd, replica\)/);
  assert.throws(() => parse("--only="), /--only: give at least one/);
  assert.throws(() => parse("--keep=yes"), /--keep is a flag/);
});
