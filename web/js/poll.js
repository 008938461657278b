/*
 * Polling a job with backoff: 1 s, 2 s, 4 s, 8 s, then every 8 s, with
 * If-None-Match so an unchanged job costs a 304.  Stops on COMPLETED or
 * FAILED, on stop(), or when the job is gone (404).
 */
import { api } from './api.js';

export const BACKOFF_MS = [1000, 2000, 4000, 8000];
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

	const finish = (job) => {
		stopped = true;
		if (handlers.onDone)
			handlers.onDone(job);
	};

	const schedule = () => {
		if (stopped)
			return;
		const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
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
