/*
 * Polling a job, with If-None-Match so an unchanged job costs a 304.
 * The server says when to ask again (poll_after_ms: its estimate of when
 * the job next changes); the poller follows it within bounds: never
 * sooner than 1 s between polls after the first, never later than 8 s.
 * Without an estimate it backs off 1 s, 2 s, 4 s, 8 s, then every 8 s.
 * Stops on COMPLETED or FAILED, on stop(), or when the job is gone (404).
 */
import { api } from './api.js';
import { BACKOFF_MS, nextDelay } from './poll_delay.js';

export { BACKOFF_MS, nextDelay };
export const TERMINAL = new Set(['COMPLETED', 'FAILED']);

/*
 * pollJob(kind, id, {job, onUpdate, onDone, onError}) -> {stop}.
 * job: the job as already known (from the 202), or null to read it now.
 * onUpdate(job) on every change; onDone(job) once at the end;
 * onError(err) when the job cannot be read any more (404, 401).
 */
export function pollJob(kind, id, handlers) {
	let etag = null;
	let attempt = 0;
	let timer = null;
	let stopped = false;
	let ctrl = null;
	let estimate = null;
	let estimateAt = 0;

	const learn = (job) => {
		if (job && typeof job.poll_after_ms === 'number') {
			estimate = job.poll_after_ms;
			estimateAt = Date.now();
		} else
			estimate = null;
	};

	const finish = (job) => {
		stopped = true;
		if (handlers.onDone)
			handlers.onDone(job);
	};

	const schedule = () => {
		if (stopped)
			return;
		const delay = nextDelay(estimate, estimateAt, Date.now(), attempt);
		attempt++;
		timer = setTimeout(tick, delay);
	};

	const tick = async () => {
		timer = null;
		if (stopped)
			return;
		ctrl = new AbortController();
		try {
			const r = await api.job(kind, id, etag, ctrl.signal);
			if (stopped)
				return;
			if (r.status !== 304 && r.data) {
				etag = r.headers.get('ETag') || null;
				learn(r.data);
				if (handlers.onUpdate)
					handlers.onUpdate(r.data);
				if (TERMINAL.has(r.data.status)) {
					finish(r.data);
					return;
				}
			}
		} catch (e) {
			if (stopped || (e && e.name === 'AbortError'))
				return;
			if (e.status === 404 || e.status === 401) {
				stopped = true;
				if (handlers.onError)
					handlers.onError(e);
				return;
			}
			/* network or 5xx: keep trying at the backed-off pace */
		}
		schedule();
	};

	const job = handlers.job;
	if (job && TERMINAL.has(job.status)) {
		setTimeout(() => finish(job), 0);
	} else if (job) {
		learn(job);
		schedule();
	} else {
		tick();
	}
	return {
		stop() {
			stopped = true;
			if (timer)
				clearTimeout(timer);
			if (ctrl)
				ctrl.abort();
		},
	};
}
