/**
 * Headless Debian Chromium for the dashboard tests (issue 14): the launch
 * flags, screenshots saved under `test-artifacts/` and checked not blank
 * (the luminance spread of the PNG, decoded by the browser itself), and the
 * 390 px width check.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Where screenshots go (git-ignored). */
export const ARTIFACTS = `${ROOT}test-artifacts`;

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches Debian's chromium (`.ci/run` installs it) headless, with no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** Standard deviation of the luminance of a PNG, decoded by the browser itself. */
async function luminanceSpread(b: Browser, png: Uint8Array): Promise<number> {
  let bin = "";
  for (let i = 0; i < png.length; i += 0x8000) {
    bin += String.fromCharCode(...png.subarray(i, i + 0x8000));
  }
  const page = await b.newPage();
  try {
    return Number(
      await page.evaluate(`(async () => {
        const img = new Image();
        img.src = "data:image/png;base64,${btoa(bin)}";
        await img.decode();
        const c = document.createElement("canvas");
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext("2d");
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let sum = 0, sq = 0, n = 0;
        for (let i = 0; i < d.length; i += 4) {
          const y = 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
          sum += y; sq += y * y; n++;
        }
        const mean = sum / n;
        return Math.sqrt(sq / n - mean * mean);
      })()`),
    );
  } finally {
    await page.close();
  }
}

/** Screenshots a page (full length) to test-artifacts/NAME.png and checks it is not blank. */
export async function shoot(b: Browser, page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}/${name}.png`;
  const png = await page.screenshot({ path, fullPage: true });
  const spread = await luminanceSpread(b, new Uint8Array(png));
  assert.ok(spread > 8, `${name}.png looks blank (luminance spread ${spread.toFixed(2)})`);
}

/** Asserts the page is no wider than `width` (nothing forces sideways scrolling). */
export async function assertFitsWidth(page: Page, width: number, what: string): Promise<void> {
  const w = Number(await page.evaluate("document.documentElement.scrollWidth"));
  assert.ok(w <= width, `${what} is ${w}px wide at ${width}`);
}

/** A page to drive, with what it did that a test asserts never happens. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** requests that left `origin` (data: URLs and `allowed` ones aside) */
  external: string[];
  /** console messages reporting a Content Security Policy violation */
  cspErrors: string[];
}

/**
 * A page in a fresh 1280×900 context that records every request leaving
 * `origin` and every CSP violation, for the "no external request, no CSP
 * error" checks. `allowed` may let through one more origin (a test's own
 * attacker page). Close `context` when done.
 */
export async function watchedPage(
  b: Browser,
  origin: string,
  allowed: (url: string) => boolean = () => false,
): Promise<WatchedPage> {
  const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const external: string[] = [];
  const cspErrors: string[] = [];
  context.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith("data:") && !allowed(u)) external.push(u);
  });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  return { context, page, external, cspErrors };
}

/** Signs in to the dashboard at `base` with the operator token; waits for the overview. */
export async function signInDashboard(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/admin/sign-in`);
  await page.getByLabel("Operator token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/admin\/overview$/);
}
