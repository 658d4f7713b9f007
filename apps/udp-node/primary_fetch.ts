/**
 * The `fetch` of the node's HTTP clients of its primary (a replica's writer,
 * a remote database). `fetch` asks for gzip and deflate by default and sqld
 * compresses its answers when asked. On a primary at this host (loopback) the
 * bytes cost nothing and the compression costs CPU on both ends, which share
 * the host's cores: `update_rate_vs_bind` measured about 6% more UPDATEs/s on
 * a replica asking for identity (`bench/README.md`). A primary elsewhere keeps
 * compression: there the bytes cross a network.
 *
 * @module
 */

/** A `fetch` for `@libsql/client`'s `fetch` option. */
export type PrimaryFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The `fetch` for a primary at `url` (`http:`, `https:`, `libsql:`, `ws:`…):
 * one asking for uncompressed answers when its host is a loopback address,
 * else undefined (the client's default, compression accepted).
 *
 * @example
 * ```ts ignore
 * createClient({ url, authToken, fetch: primaryFetch(url) });
 * ```
 */
export function primaryFetch(url: string): PrimaryFetch | undefined {
  return isLoopbackUrl(url) ? uncompressedFetch : undefined;
}

/** True when `url`'s host is `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

function uncompressedFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const headers = new Headers(request.headers);
  headers.set("accept-encoding", "identity");
  return fetch(new Request(request, { headers }));
}
