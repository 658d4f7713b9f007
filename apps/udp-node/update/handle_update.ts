/**
 * Placeholder async path until UPDATE lands: UPDATE → REFUSED, signed query → NOTAUTH.
 *
 * @module
 */
import type { Config } from "../../../packages/core/config/env.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import type { JournalFollower } from "../zone_index/follow_journal.ts";
import type { AsyncHandler } from "../dns_service.ts";

/** Dependencies of the UPDATE handler. */
export interface UpdateDeps {
  config: Config;
  client: SqlClient;
  index: ZoneIndex;
  follower: JournalFollower;
  logger: Logger;
  metrics: MetricsRegistry;
}

/** Creates the async handler. */
export function createUpdateHandler(_deps: UpdateDeps): AsyncHandler {
  return (request) => {
    const out = request.slice(0, 12);
    out[2] = 0x80 | (request[2] & 0x78);
    out[3] = 5;
    out.fill(0, 4, 12);
    return Promise.resolve({ bytes: out, outcome: "refused" });
  };
}
