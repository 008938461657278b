/*
 * When to poll a job next (web/js/poll.js; bench/poll_latency.mjs runs
 * the same rule): no imports, so that it runs outside a page too.
 */

export const BACKOFF_MS = [1000, 2000, 4000, 8000];
export const FIRST_MIN_MS = 200;
export const MIN_MS = 1000;
export const MAX_MS = 8000;

/*
 * The delay before the next poll: the server's estimate (taken at
 * estimateAt, ms) less the time since, within the bounds (the first
 * poll may come sooner); the backoff step when there is no estimate.
 */
export function nextDelay(estimate, estimateAt, now, attempt) {
	const min = attempt === 0 ? FIRST_MIN_MS : MIN_MS;
	if (typeof estimate !== 'number' || !(estimate >= 0))
		return BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
	const left = estimate - Math.max(0, now - estimateAt);
	return Math.min(MAX_MS, Math.max(min, left));
}
