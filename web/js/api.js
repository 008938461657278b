/*
 * The primerka API client: every call carries Authorization: tma
 * <initData>; errors come back as ApiError with the server's code and
 * human message ({"error":{"code","message"}}).
 */

const BASE = new URL('api/v1/', document.baseURI).pathname;

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message || code);
		this.status = status;
		this.code = code;
	}
}

let initData = '';

export function setInitData(s) {
	initData = s || '';
}

let language = '';

/* The language chosen in the settings ("ru", "en"; "" follows
 * Telegram's): the server's texts follow it. */
export function setLanguage(l) {
	language = l === 'ru' || l === 'en' ? l : '';
}

/* A random key for one user action (Idempotency-Key). */
export function newKey() {
	const b = new Uint8Array(16);
	crypto.getRandomValues(b);
	return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/*
 * request(method, path, {json, body, contentType, headers, keepalive,
 * signal}) -> {status, data, headers}.  A 304 resolves with data null.
 * Throws ApiError (status 0 and code "network" when offline).
 */
export async function request(method, path, opts = {}) {
	const headers = Object.assign({ Authorization: 'tma ' + initData },
	    language ? { 'X-Primerka-Language': language } : {}, opts.headers || {});
	let body;
	if (opts.json !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = JSON.stringify(opts.json);
	} else if (opts.body !== undefined) {
		headers['Content-Type'] = opts.contentType || 'application/octet-stream';
		body = opts.body;
	}
	let res;
	try {
		res = await fetch(BASE + path.replace(/^\//, ''), {
			method, headers, body, cache: 'no-store',
			keepalive: !!opts.keepalive, signal: opts.signal,
			credentials: 'same-origin',
		});
	} catch (e) {
		if (e && e.name === 'AbortError')
			throw e;
		throw new ApiError(0, 'network', null);
	}
	if (res.status === 304)
		return { status: 304, data: null, headers: res.headers };
	let data = null;
	const text = await res.text().catch(() => '');
	if (text) {
		try { data = JSON.parse(text); } catch (e) { data = null; }
	}
	if (!res.ok) {
		const err = data && data.error ? data.error : {};
		throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || null);
	}
	return { status: res.status, data, headers: res.headers };
}

export const api = {
	me: () => request('GET', 'me').then((r) => r.data),
	photos: (cursor) => request('GET', 'photos?limit=50' + (cursor ? '&cursor=' + cursor : '')).then((r) => r.data),
	photo: (id) => request('GET', 'photos/' + id).then((r) => r.data),
	uploadPhoto: (blob) => request('POST', 'photos', { body: blob, contentType: blob.type || 'image/jpeg' }).then((r) => r.data),
	deletePhoto: (id) => request('DELETE', 'photos/' + id),
	outfits: (cursor) => request('GET', 'outfits?limit=100' + (cursor ? '&cursor=' + cursor : '')).then((r) => r.data),
	outfit: (id) => request('GET', 'outfits/' + id).then((r) => r.data),
	locations: (cursor) => request('GET', 'locations?limit=100' + (cursor ? '&cursor=' + cursor : '')).then((r) => r.data),
	createTryon: (body, key) => request('POST', 'tryons', { json: body, headers: { 'Idempotency-Key': key } }).then((r) => r.data),
	createAnimation: (tryonId, key) => request('POST', 'animations', { json: { tryon_id: tryonId }, headers: { 'Idempotency-Key': key } }).then((r) => r.data),
	tryons: (cursor) => request('GET', 'tryons?limit=20' + (cursor ? '&cursor=' + cursor : '')).then((r) => r.data),
	animations: (cursor) => request('GET', 'animations?limit=20' + (cursor ? '&cursor=' + cursor : '')).then((r) => r.data),
	/* A job read for polling: kind "tryon" or "animation"; etag optional. */
	job: (kind, id, etag, signal) => request('GET', (kind === 'animation' ? 'animations/' : 'tryons/') + id, {
		headers: etag ? { 'If-None-Match': etag } : {}, signal,
	}),
	packs: () => request('GET', 'packs').then((r) => r.data),
	buy: (packId) => request('POST', 'purchases', { json: { pack_id: packId } }).then((r) => r.data),
	purchase: (id) => request('GET', 'purchases/' + id).then((r) => r.data),
	ledger: (cursor) => request('GET', 'ledger?limit=20' + (cursor ? '&cursor=' + cursor : '')).then((r) => r.data),
	events: (events) => request('POST', 'events', { json: { events }, keepalive: true }),
	settings: () => request('GET', 'me/settings').then((r) => r.data),
	updateSettings: (body) => request('PATCH', 'me/settings', { json: body }).then((r) => r.data),
	share: (kind, id) => request('POST', (kind === 'animation' ? 'animations/' : 'tryons/') + id + '/share').then((r) => r.data),
	animation: (id) => request('GET', 'animations/' + id).then((r) => r.data),
};
