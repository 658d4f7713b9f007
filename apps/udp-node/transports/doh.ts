/**
 * DNS over HTTPS (RFC 8484) on the node's HTTP listener: `GET /dns-query?dns=`
 * (base64url, no padding) and `POST /dns-query` with
 * `application/dns-message`, answered by the same service as UDP/TCP (no
 * truncation: HTTP carries any size). The edge reads DNS through this, since
 * Workers cannot send UDP. TLS is the reverse proxy's job.
 *
 * @module
 */

import type { Hono } from "hono";
import type { DnsService } from "../dns_service.ts";

const MEDIA_TYPE = "application/dns-message";
const MAX_MESSAGE = 65535;

function decodeBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Mounts `/dns-query` on the ops app. */
export function mountDoh(
  app: Hono,
  service: DnsService,
  clientAddress: (req: Request) => string,
): void {
  const answer = async (req: Request, msg: Uint8Array): Promise<Response> => {
    if (msg.length < 12 || msg.length > MAX_MESSAGE) {
      return Response.json({ error: "invalid DNS message" }, { status: 400 });
    }
    const r = service.handle(msg, true, clientAddress(req));
    const bytes = r instanceof Promise ? await r : r;
    if (!bytes) {
      return Response.json({ error: "no answer (malformed or rate limited)" }, { status: 400 });
    }
    // RFC 8484 §5.1: cacheable for the smallest TTL; we use a short fixed freshness.
    return new Response(bytes.slice(), {
      status: 200,
      headers: { "content-type": MEDIA_TYPE, "cache-control": "max-age=30" },
    });
  };
  app.get("/dns-query", (c) => {
    const msg = decodeBase64Url(c.req.query("dns") ?? "");
    if (!msg) return c.json({ error: "dns: expected base64url without padding" }, 400);
    return answer(c.req.raw, msg);
  });
  app.post("/dns-query", async (c) => {
    if ((c.req.header("content-type") ?? "").split(";")[0].trim() !== MEDIA_TYPE) {
      return c.json({ error: `content-type must be ${MEDIA_TYPE}` }, 415);
    }
    const len = Number(c.req.header("content-length") ?? "0");
    if (len > MAX_MESSAGE) return c.json({ error: "body too large" }, 413);
    const body = new Uint8Array(await c.req.arrayBuffer());
    return answer(c.req.raw, body);
  });
}
