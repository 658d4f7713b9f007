/**
 * DNS over HTTPS (RFC 8484) on the node's HTTP listener: `GET /dns-query?dns=`
 * (base64url, no padding) and `POST /dns-query` with
 * `application/dns-message`, answered by the same service as UDP/TCP (no
 * truncation: HTTP carries any size). The edge reads DNS through this, since
 * Workers cannot send UDP. TLS is the reverse proxy's job.
 *
 * Each client has its own rate bucket (the peer address, or the trusted
 * proxy header when DMP_TRUSTED_PROXY_HEADER names one; issue 12 #6: one
 * shared bucket let a single client starve the rest). A POST body is read as
 * a stream and abandoned with 413 the moment it passes 65535 bytes, declared
 * length or not (a chunked 400 MB upload used to be buffered whole).
 *
 * @module
 */

import type { Context, Hono } from "hono";
import type { DnsService } from "../dns_service.ts";
import { LIMIT } from "../../../packages/core/wire/constants.ts";
import { readCappedBody } from "../../../packages/core/http/capped_body.ts";
import { freshnessLifetime } from "../../../packages/core/wire/freshness_lifetime.ts";

const MEDIA_TYPE = "application/dns-message";

function decodeBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Mounts `/dns-query` on the ops app; `clientAddress` names the client of a request. */
export function mountDoh(
  app: Hono,
  service: DnsService,
  clientAddress: (c: Context) => string,
): void {
  const answer = async (c: Context, msg: Uint8Array): Promise<Response> => {
    if (msg.length < LIMIT.HEADER || msg.length > LIMIT.TCP_MESSAGE) {
      return c.json({ error: "dns: not a DNS message (12 to 65535 bytes)" }, 400);
    }
    const r = service.handle(msg, true, clientAddress(c));
    const bytes = r instanceof Promise ? await r : r;
    if (!bytes) {
      return c.json({ error: "no answer (malformed or rate limited)" }, 400);
    }
    // RFC 8484 §5.1: fresh no longer than the smallest answer TTL, or the SOA minimum of a
    // negative answer (RFC 2308 §5).
    return new Response(bytes.slice(), {
      status: 200,
      headers: {
        "content-type": MEDIA_TYPE,
        "cache-control": `max-age=${freshnessLifetime(bytes)}`,
      },
    });
  };
  app.get("/dns-query", (c) => {
    const msg = decodeBase64Url(c.req.query("dns") ?? "");
    if (!msg) return c.json({ error: "dns: expected base64url without padding" }, 400);
    return answer(c, msg);
  });
  app.post("/dns-query", async (c) => {
    if ((c.req.header("content-type") ?? "").split(";")[0].trim() !== MEDIA_TYPE) {
      return c.json({ error: `content-type must be ${MEDIA_TYPE}` }, 415);
    }
    const body = await readCappedBody(c.req.raw, LIMIT.TCP_MESSAGE);
    if (!body) {
      // The rest of the upload is not read: close the connection rather than drain it.
      return c.json({ error: `body: larger than ${LIMIT.TCP_MESSAGE} bytes` }, 413, {
        connection: "close",
      });
    }
    return answer(c, body);
  });
}
