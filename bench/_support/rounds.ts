/**
 * How a benchmark turns several alternating rounds into one verdict (issue
 * 15): a target is met when the worst of the rounds meets it, so one lucky
 * round cannot carry a verdict; every round is printed beside it.
 *
 * @module
 */

/** The worst of per-round figures: the lowest when higher is better, else the highest. */
export function worstRound(
  perRound: readonly number[],
  direction: "higher-is-better" | "lower-is-better",
): number {
  if (perRound.length === 0) return NaN;
  return direction === "higher-is-better" ? Math.min(...perRound) : Math.max(...perRound);
}
