/**
 * Deno entry point: `deno run -A apps/edge-api/adapters/deno.ts`.
 * Deno.env → config → libSQL client → migrate → app → `Deno.serve` on
 * DMP_HTTP_HOST:DMP_HTTP_PORT. The directory crawl (when seeds and DoH
 * resolvers are configured) runs on `Deno.cron` where it exists (Deno Deploy,
 * `--unstable-cron`) and the interval is whole minutes, else on `setInterval`.
 *
 * @module
 */

import { ConfigError } from "../../../packages/core/config/env.ts";
import { startCrawlTimer } from "../crawl/mod.ts";
import { bootEdge } from "./_boot_server.ts";

const encoder = new TextEncoder();

/** `Deno.cron` (unstable): absent unless the runtime enables it. */
type DenoCron = (name: string, schedule: string, handler: () => Promise<void>) => Promise<void>;

function writeLine(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

async function main(): Promise<void> {
  const { config, app, crawler } = await bootEdge(Deno.env.toObject(), {
    writeLine,
    peerAddress: (c) => (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr?.hostname,
  });
  let stopCrawl = () => {};
  if (crawler) {
    const minutes = crawler.intervalSeconds / 60;
    const cron = (Deno as unknown as { cron?: DenoCron }).cron;
    if (typeof cron === "function" && Number.isInteger(minutes) && minutes <= 59) {
      cron("dmp directory crawl", `*/${minutes} * * * *`, async () => {
        await crawler.run();
      });
      crawler.run();
    } else {
      stopCrawl = startCrawlTimer(crawler);
    }
  }
  const server = Deno.serve({
    hostname: config.DMP_HTTP_HOST,
    port: config.DMP_HTTP_PORT,
    onListen: (addr) =>
      writeLine(
        `edge-api listening on http://${config.DMP_HTTP_HOST}:${(addr as Deno.NetAddr).port}`,
      ),
  }, (req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }));
  const stop = () => {
    stopCrawl();
    server.shutdown().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}

main().catch((e) => {
  Deno.stderr.writeSync(
    encoder.encode(`edge-api: ${e instanceof ConfigError ? e.message : String(e?.stack ?? e)}\n`),
  );
  Deno.exit(1);
});
