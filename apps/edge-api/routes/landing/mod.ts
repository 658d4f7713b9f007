/**
 * `GET /` and `GET /index.html`: the landing page (issue 10: `/` used to
 * answer a JSON 404). Reads no store, so it costs nothing to serve and stays
 * up while the store is down; cacheable for 30 s like the reference's
 * (brief §1.4).
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { operatorToken, servedZone } from "../../../../packages/core/config/env.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { authMode } from "../../auth_mode.ts";
import { registrationEnabled } from "../registration/registration_secrets.ts";
import { LANDING_STYLE, renderLandingPage } from "./landing_page.tsx";

async function sha256Base64(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let bin = "";
  for (const b of new Uint8Array(d)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Builds the landing route.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function landingRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  const c = deps.config;
  // The page depends only on configuration: render it once.
  const html = renderLandingPage({
    zone: servedZone(c),
    nodeHostname: c.DMP_NODE_HOSTNAME ?? "",
    registration: registrationEnabled(c, authMode(c)),
    directory: Boolean(c.DMP_DIRECTORY_ENABLED),
    operatorApi: Boolean(operatorToken(c)),
  });
  let csp: Promise<string> | undefined;
  const page = async (ctx: Context) => {
    csp ??= sha256Base64(LANDING_STYLE).then((style) =>
      [
        "default-src 'none'",
        `style-src 'sha256-${style}'`,
        "img-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join("; ")
    );
    return ctx.html(html, 200, {
      "cache-control": "public, max-age=30",
      "content-security-policy": await csp,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
  };
  app.get("/", page);
  app.get("/index.html", page);
  return app;
}
