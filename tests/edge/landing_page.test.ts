/**
 * `GET /` is an HTML landing page on every runtime (issue 10: it answered a
 * JSON 404), and every link on it works.
 */
import assert from "node:assert/strict";
import { type EdgeCase, NODE, runOnAllTargets, ZONE } from "./_targets.ts";

const CASES: EdgeCase[] = [
  {
    name: "/ and /index.html serve the landing page with a strict CSP",
    async run({ base }) {
      for (const path of ["/", "/index.html"]) {
        const r = await fetch(`${base}${path}`);
        assert.equal(r.status, 200, path);
        assert.match(r.headers.get("content-type") ?? "", /^text\/html/);
        assert.equal(r.headers.get("cache-control"), "public, max-age=30");
        const csp = r.headers.get("content-security-policy") ?? "";
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/]+=*'/);
        assert.doesNotMatch(csp, /script-src/, "the page runs no script");
        const html = await r.text();
        assert.match(html, /^<!DOCTYPE html>/);
        assert.match(html, new RegExp(`<title>DMP node ${NODE.replaceAll(".", "\\.")}</title>`));
        assert.match(html, new RegExp(`serves the zone <code>${ZONE.replaceAll(".", "\\.")}`));
        assert.match(html, /href="\/health"/);
        assert.match(html, /href="\/stats"/);
        assert.match(html, /GET \/v1\/registration\/challenge/, "registration is on in BASE_ENV");
        // The directory is off in BASE_ENV: no dead /nodes link, but a word about why.
        assert.doesNotMatch(html, /href="\/nodes"/);
        assert.match(html, /DMP_DIRECTORY_ENABLED/);
      }
    },
  },
  {
    name: "every local link on the landing page answers 200",
    async run({ base }) {
      const html = await (await fetch(`${base}/`)).text();
      const links = [...html.matchAll(/href="(\/[^"]*)"/g)].map((m) => m[1]);
      assert.ok(links.length >= 2, html);
      for (const link of links) {
        const r = await fetch(`${base}${link}`);
        assert.equal(r.status, 200, link);
        await r.body?.cancel();
      }
    },
  },
];

runOnAllTargets("landing page", CASES);
