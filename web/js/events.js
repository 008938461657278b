/*
 * Catalogue events for the shops' statistics: outfit views (once per
 * outfit per session) and clicks on the buy link.  Views are batched;
 * a click is sent at once (keepalive, so it survives leaving the page).
 * POST /api/v1/events may not exist on an older server: errors are
 * ignored (events are few: one view per outfit per session, clicks).
 */
import { api } from './api.js';

const FLUSH_MS = 1200;
const MAX_BATCH = 50;

const seen = new Set();
let queue = [];
let timer = null;

async function send(batch) {
	if (batch.length === 0)
		return;
	try {
		await api.events(batch);
	} catch (e) {
		/* Statistics are best effort: never bother the user.  An
		 * older server without the endpoint answers 404. */
	}
}

export function flush() {
	if (timer) {
		clearTimeout(timer);
		timer = null;
	}
	while (queue.length > 0)
		send(queue.splice(0, MAX_BATCH));
}

function enqueue(ev) {
	queue.push(ev);
	if (queue.length >= MAX_BATCH)
		flush();
	else if (!timer)
		timer = setTimeout(flush, FLUSH_MS);
}

export function outfitViewed(outfitId) {
	if (seen.has(outfitId))
		return;
	seen.add(outfitId);
	enqueue({ kind: 'view', outfit_id: outfitId });
}

export function outfitClicked(outfitId) {
	queue.push({ kind: 'click', outfit_id: outfitId });
	flush();
}

/* Report outfit cards as viewed once at least half of one is on screen. */
const observer = 'IntersectionObserver' in window ? new IntersectionObserver((entries) => {
	for (const e of entries) {
		if (e.isIntersecting) {
			const id = Number(e.target.dataset.outfitId);
			if (id > 0)
				outfitViewed(id);
			observer.unobserve(e.target);
		}
	}
}, { threshold: 0.5 }) : null;

export function observeOutfit(el) {
	if (observer)
		observer.observe(el);
	else
		outfitViewed(Number(el.dataset.outfitId));
}

document.addEventListener('visibilitychange', () => {
	if (document.visibilityState === 'hidden')
		flush();
});
