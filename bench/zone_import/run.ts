/**
 * `dmp zone import` of a 100,000-record zone (issue 15, item 3): wall time
 * and peak RSS of the CLI process, against the targets (≤ 5 s, ≤ 300 MB).
 *
 *   ./node_modules/.bin/deno run -A bench/zone_import/run.ts [--records=100000] [--rounds=3]
 *
 * The zone is the benchmarks' `bench.test` (`bench/_support/txt_zone.ts`,
 * DMP mailbox-slot TXT records), written as a master file; each round imports
 * it with the production entry (`node dist/dmp.mjs`, rebuilt first) into a
 * fresh `file:` database. Peak RSS is the kernel's high-water mark
 * (`VmHWM` in /proc/PID/status), read every 20 ms while the process lives.
 * The verdict is the worst round's. Results go to
 * bench/results/<date>-zone_import.txt.
 *
 * @module
 */

import { createClient } from "@libsql/client";
import { buildNodeBundle, cleanupAll, sleep } from "../_support/processes.ts";
import { BENCH_ZONE, generateTxtZone } from "../_support/txt_zone.ts";
import { describeHost, runBench, saveResults, say } from "../_support/report.ts";
import { worstRound } from "../_support/rounds.ts";
import { run } from "../_support/proc_stats.ts";

const TARGET = { seconds: 5, peakMiB: 300 };

async function main(): Promise<number> {
  let records = 100_000;
  let rounds = 3;
  for (const a of Deno.args) {
    const [k, v = ""] = a.replace(/^--/, "").split("=", 2);
    if (k === "records" && Number(v) > 0) records = Number(v);
    else if (k === "rounds" && Number(v) > 0) rounds = Math.floor(Number(v));
    else throw new Error(`unknown option ${a} (--records=N --rounds=N)`);
  }
  const date = new Date().toISOString();
  say(`zone_import — ${date}`);
  say(describeHost());
  say(`versions: node ${run("node", ["--version"]).out.trim()}`);
  const dir = await Deno.makeTempDir({ prefix: "dmp-import-bench-" });
  try {
    const zone = generateTxtZone(20260602, records, "bench/zone_import/run.ts");
    const file = `${dir}/${BENCH_ZONE}.zone`;
    Deno.writeTextFileSync(file, zone.zoneFile);
    say(
      `zone file: ${records} TXT records (+ SOA, NS, 2 A), ${
        (zone.zoneFile.length / 2 ** 20).toFixed(1)
      } MiB; command: node dist/dmp.mjs zone import ${BENCH_ZONE} FILE --quiet, ` +
        `DMP_DB_URL=file:<fresh db>`,
    );
    const bundle = buildNodeBundle();
    const times: number[] = [];
    const peaks: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const db = `${dir}/round-${round}.db`;
      const t0 = performance.now();
      const child = new Deno.Command("node", {
        args: [bundle, "zone", "import", BENCH_ZONE, file, "--quiet"],
        env: { DMP_DB_URL: `file:${db}` },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let peakKiB = 0;
      let done = false;
      const poll = (async () => {
        while (!done) {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
            if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
          } catch { /* exited */ }
          await sleep(20);
        }
      })();
      const out = await child.output();
      const seconds = (performance.now() - t0) / 1000;
      done = true;
      await poll;
      const dec = new TextDecoder();
      if (out.code !== 0) {
        throw new Error(`import failed (${out.code}):\n${dec.decode(out.stderr)}`);
      }
      const client = createClient({ url: `file:${db}` });
      const n = await client.execute(
        "SELECT count(*) AS n FROM records WHERE zone = ? AND type = 'TXT'",
        [BENCH_ZONE],
      );
      client.close();
      if (Number(n.rows[0].n) !== records) {
        throw new Error(`round ${round}: the database holds ${n.rows[0].n} TXT records`);
      }
      times.push(seconds);
      peaks.push(peakKiB / 1024);
      say(
        `round ${round}: ${seconds.toFixed(2)} s, peak RSS ${(peakKiB / 1024).toFixed(0)} MiB; ` +
          `${dec.decode(out.stdout).trim()}; load average ${
            Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")
          }`,
      );
      Deno.removeSync(db);
    }
    const t = worstRound(times, "lower-is-better");
    const m = worstRound(peaks, "lower-is-better");
    say(
      `worst round: ${t.toFixed(2)} s (target <= ${TARGET.seconds} s: ${
        t <= TARGET.seconds ? "met" : "NOT met"
      }), peak RSS ${m.toFixed(0)} MiB (target <= ${TARGET.peakMiB} MB: ${
        m * 2 ** 20 <= TARGET.peakMiB * 1e6 ? "met" : "NOT met"
      })`,
    );
  } finally {
    await cleanupAll();
    Deno.removeSync(dir, { recursive: true });
  }
  saveResults("zone_import", date);
  return 0;
}

await runBench(main);
