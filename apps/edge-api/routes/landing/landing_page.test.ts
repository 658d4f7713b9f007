import assert from "node:assert/strict";
import { renderLandingPage } from "./landing_page.tsx";

const BASE = {
  zone: "mesh.example",
  nodeHostname: "n.example",
  registration: false,
  directory: false,
  operatorApi: false,
};

Deno.test("renderLandingPage() links /nodes and the feed only when the directory is on", () => {
  const on = renderLandingPage({ ...BASE, directory: true });
  assert.match(on, /<a href="\/nodes">\/nodes<\/a>/);
  assert.match(on, /<a href="\/v1\/directory\/feed\.json">/);
  const off = renderLandingPage(BASE);
  assert.doesNotMatch(off, /href="\/nodes"/);
  assert.match(off, /Registration is off here/);
  assert.doesNotMatch(off, /\/v1\/admin/);
});

Deno.test("renderLandingPage() escapes what it shows and omits the dig lines without a zone", () => {
  const page = renderLandingPage({ ...BASE, nodeHostname: "<x>", zone: "" });
  assert.doesNotMatch(page, /<x>/);
  assert.match(page, /&lt;x&gt;/);
  assert.doesNotMatch(page, /Try it/);
});
