/**
 * How sure a success rate is. With 5 or 20 trials per task a rate moves by 5–20 points from luck alone, so
 * evaluation tables print an interval beside each rate.
 *
 * Wilson's score interval for a binomial proportion (Wilson 1927): the set of rates p for which the observed
 * k successes in n trials are within z standard errors, √(p(1−p)/n), of p. Unlike the normal ("Wald")
 * interval p̂ ± z·√(p̂(1−p̂)/n) it does not collapse to a point at 0/n or n/n, and it stays inside [0, 1].
 *
 *   centre = (p̂ + z²/2n) / (1 + z²/n),  half-width = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n)
 *
 * Worked example, 0 successes in 5 trials at 95% (z = 1.96): centre = 0.3842/1.768 = 0.2173, half-width =
 * 1.96·√(0.03842)/1.768 = 0.2173, so [0, 0.435]: five failures do not rule out a 40% policy.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of `successes` out of `trials` (trials ≥ 1), at `z` standard errors (95% default). */
export function wilsonInterval(successes: number, trials: number, z = Z95): Interval {
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`wilsonInterval: trials must be a positive integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new Error(`wilsonInterval: successes must be an integer in [0, ${trials}], got ${successes}`);
  }
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))) / (1 + z2n);
  // Clamp float dust at the ends: at k = 0 the low end is exactly 0 (and 1 at k = n) in exact arithmetic.
  return { low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === trials ? 1 : Math.min(1, centre + half) };
}

/** "[12–47%]": an interval as whole percentages, for tables. */
export function formatInterval({ low, high }: Interval): string {
  return `[${Math.round(100 * low)}–${Math.round(100 * high)}%]`;
}
