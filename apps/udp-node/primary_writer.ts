/**
 * The client an embedded replica writes through to its primary. libSQL's
 * Node client speaks the Hrana protocol over HTTP for an `http(s)://` URL and
 * for `libsql://` (Turso), and over a WebSocket for `ws(s)://`. Over HTTP
 * every batch is a fresh `fetch` (a request, its headers and body streams),
 * which on a node that writes a few hundred groups a second cost its storage
 * worker more CPU than the writes themselves: at 800 UPDATEs/s, 600 ms of CPU
 * a second against 376 ms over a WebSocket (`bench/README.md`). sqld serves
 * both on one port, so the primary is written to over its WebSocket
 * (`ws(s)://` at the same address, `wss://` for `libsql://`) on two
 * long-lived Hrana streams (`primary_stream_client.ts`) when it accepts one
 * at start, and over HTTP as before when it does not (a proxy that refuses
 * upgrades, a primary away at start).
 *
 * @module
 */

import { createClient } from "@libsql/client";
import { encodeBaseUrl } from "@libsql/core/uri";
import { expandConfig } from "@libsql/core/config";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { primaryFetch } from "./primary_fetch.ts";
import { PrimaryStreamClient } from "./primary_stream_client.ts";

/** Bound on the WebSocket check at start; the HTTP client is used when it runs out. */
const WEBSOCKET_CHECK_MS = 2000;

/** A writer and the transport it uses. */
export interface PrimaryWriter {
  client: SqlClient & { close(): void };
  transport: "websocket" | "http";
}

/**
 * The WebSocket URL of an `http(s)://` primary (same host, port and path);
 * undefined for any other URL.
 */
export function webSocketUrlOf(url: string): string | undefined {
  if (url.startsWith("http://")) return "ws://" + url.slice("http://".length);
  if (url.startsWith("https://")) return "wss://" + url.slice("https://".length);
  return undefined;
}

/**
 * Opens the writer of a replica whose primary is at `syncUrl`: a
 * {@linkcode PrimaryStreamClient} when the primary answers a WebSocket
 * (checked with `SELECT 1`), else the HTTP client of `syncUrl`.
 */
export async function openPrimaryWriter(
  syncUrl: string,
  authToken: string | undefined,
): Promise<PrimaryWriter> {
  const http = () => createClient({ url: syncUrl, authToken, fetch: primaryFetch(syncUrl) });
  const ws = streamClient(syncUrl, authToken);
  if (!ws) return { client: http(), transport: "http" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      ws.execute("SELECT 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), WEBSOCKET_CHECK_MS);
      }),
    ]);
    return { client: ws, transport: "websocket" };
  } catch {
    ws.close();
    return { client: http(), transport: "http" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The stream client of a primary's WebSocket: `http(s)://` at the same
 * address, `libsql://` read as `@libsql/client` reads it for a WebSocket
 * (`wss://` unless `?tls=0`; `?authToken=`); undefined for a `file:` URL.
 */
function streamClient(url: string, authToken: string | undefined): PrimaryStreamClient | undefined {
  const c = expandConfig({ url: webSocketUrlOf(url) ?? url, authToken }, false);
  if (c.scheme !== "ws" && c.scheme !== "wss") return undefined;
  return new PrimaryStreamClient(encodeBaseUrl(c.scheme, c.authority, c.path).href, c.authToken);
}
