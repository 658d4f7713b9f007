/**
 * The client an embedded replica writes through to its primary. libSQL's
 * client speaks the Hrana protocol over HTTP for an `http(s)://` URL and over
 * a WebSocket for `libsql://` (Turso) and `ws(s)://`. Over HTTP every batch is
 * a fresh `fetch` (a request, its headers and body streams), which on a node
 * that writes a few hundred groups a second cost its storage worker more CPU
 * than the writes themselves: at 800 UPDATEs/s, 600 ms of CPU a second
 * against 376 ms over a WebSocket (`bench/README.md`). sqld serves both on
 * one port, so an `http(s)://` primary is written to over `ws(s)://` at the
 * same address when it accepts a WebSocket at start, and over HTTP as before
 * when it does not (a proxy that refuses upgrades, a primary away at start).
 *
 * @module
 */

import { type Client, createClient } from "@libsql/client";
import { primaryFetch } from "./primary_fetch.ts";

/** Bound on the WebSocket check at start; the HTTP client is used when it runs out. */
const WEBSOCKET_CHECK_MS = 2000;

/** A writer and the transport it uses. */
export interface PrimaryWriter {
  client: Client;
  transport: "websocket" | "http";
}

/**
 * The WebSocket URL of an `http(s)://` primary (same host, port and path);
 * undefined for any other URL (`libsql://` is a WebSocket already).
 */
export function webSocketUrlOf(url: string): string | undefined {
  if (url.startsWith("http://")) return "ws://" + url.slice("http://".length);
  if (url.startsWith("https://")) return "wss://" + url.slice("https://".length);
  return undefined;
}

/**
 * Opens the writer of a replica whose primary is at `syncUrl`: a WebSocket
 * client when the primary answers one (checked with `SELECT 1`), else the
 * HTTP client of `syncUrl`.
 */
export async function openPrimaryWriter(
  syncUrl: string,
  authToken: string | undefined,
): Promise<PrimaryWriter> {
  const http = () => createClient({ url: syncUrl, authToken, fetch: primaryFetch(syncUrl) });
  const wsUrl = webSocketUrlOf(syncUrl);
  if (!wsUrl) {
    const client = http();
    return { client, transport: client.protocol === "ws" ? "websocket" : "http" };
  }
  const ws = createClient({ url: wsUrl, authToken });
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
