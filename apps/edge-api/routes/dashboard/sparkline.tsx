/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Sparklines for the overview (issue 14): inline SVG drawn on the server,
 * no script and no external asset (the CSP allows neither). A series is a
 * list of points, oldest first; `null` is a gap (no row that minute), drawn
 * as a break in the line rather than as zero.
 *
 * @module
 */

/** The drawing box; the SVG scales to its CSS width. */
const WIDTH = 120;
const HEIGHT = 24;

/**
 * The polylines of a series: one `points` string per run without gaps, and
 * the lone points (a run of one) to mark with a dot.
 *
 * @param values the series, oldest first
 * @returns polyline point lists and dots, in the 120 × 24 box
 *
 * @example
 * ```ts
 * import { sparklineShapes } from "./sparkline.tsx";
 * const s = sparklineShapes([0, 2, null, 1]);
 * if (s.lines.length !== 1 || s.dots.length !== 1) throw new Error();
 * ```
 */
export function sparklineShapes(
  values: readonly (number | null)[],
): { lines: string[]; dots: [number, number][]; max: number } {
  let max = 0;
  for (const v of values) if (v !== null && v > max) max = v;
  // An all-zero series is a flat line at the bottom, not a division by zero.
  const scale = max > 0 ? (HEIGHT - 2) / max : 0;
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  const lines: string[] = [];
  const dots: [number, number][] = [];
  let run: [number, number][] = [];
  const flush = () => {
    if (run.length === 1) dots.push(run[0]);
    else if (run.length > 1) lines.push(run.map(([x, y]) => `${x},${y}`).join(" "));
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return flush();
    const x = Math.round(i * step * 10) / 10;
    const y = Math.round((HEIGHT - 1 - Math.max(0, v) * scale) * 10) / 10;
    run.push([x, y]);
  });
  flush();
  return { lines, dots, max };
}

/**
 * A sparkline as an SVG element, labelled for screen readers.
 *
 * @param props the series, its label and unit
 * @returns the SVG element
 */
export function Sparkline(
  props: { values: readonly (number | null)[]; label: string; unit: string },
) {
  const { lines, dots, max } = sparklineShapes(props.values);
  const last = [...props.values].reverse().find((v) => v !== null) ?? null;
  const text = `${props.label} over the last hour: peak ${fixed(max)} ${props.unit}, latest ${
    last === null ? "none" : `${fixed(last)} ${props.unit}`
  }`;
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={text}
    >
      <title>{text}</title>
      <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} stroke="#d0d7de" />
      {lines.map((p, i) => (
        <polyline key={i} points={p} fill="none" stroke="#0969da" stroke-width="1.5" />
      ))}
      {dots.map(([x, y], i) => <circle key={i} cx={x} cy={y} r="1.5" fill="#0969da" />)}
    </svg>
  );
}

/** A rate as text: whole numbers from 100 up, else up to two decimals. */
export function fixed(n: number): string {
  if (n >= 100) return String(Math.round(n));
  return String(Math.round(n * 100) / 100);
}
