/**
 * Screenshots for the browser tests (issue 14): a page saved under
 * `test-artifacts/` and checked not blank, by the spread of its luminance
 * as the browser itself decodes the PNG.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Where screenshots go. */
export const ARTIFACTS = `${ROOT}test-artifacts`;

/** Standard deviation of the luminance of a PNG, decoded by the browser. */
export async function luminanceSpread(b: Browser, png: Uint8Array): Promise<number> {
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

/** Screenshots `page` to test-artifacts/<name>.png and asserts the image is not blank. */
export async function shoot(b: Browser, page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}/${name}.png`;
  const png = await page.screenshot({ path, fullPage: true });
  const spread = await luminanceSpread(b, new Uint8Array(png));
  assert.ok(spread > 8, `${name}.png looks blank (luminance spread ${spread.toFixed(2)})`);
}
