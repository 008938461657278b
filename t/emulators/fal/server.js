#!/usr/bin/env node
'use strict';
/*
 * An emulator of fal.ai's queue API (https://queue.fal.run) for the two
 * models primerka's `fal` provider is configured with by default; the
 * documented examples are in examples/ beside it (README.md gives their
 * addresses).
 *
 *   POST /{owner}/{app}[/{subpath}][?fal_webhook=URL]  the model's input
 *	-> 200 {"request_id", "response_url", "status_url", "cancel_url",
 *	   "queue_position"}; with fal_webhook, the result is POSTed to
 *	   URL once the request ends ({"request_id", "gateway_request_id",
 *	   "status": "OK" | "ERROR", "payload", "error"?}, retried on a
 *	   non-2xx)
 *   GET  /{owner}/{app}/requests/{id}/status[?logs=1]
 *	-> {"status": "IN_QUEUE", "queue_position": N, ...} |
 *	   {"status": "IN_PROGRESS", "logs": [...]} |
 *	   {"status": "COMPLETED", "logs", "metrics", "response_url"}
 *   GET  /{owner}/{app}/requests/{id}            the model's output, or
 *	the model's error (422 {"detail": [{"loc", "msg", "type"}]}) or a
 *	request error (5xx {"detail", "error_type"}); 400 while running
 *   PUT  /{owner}/{app}/requests/{id}/cancel     202 or 400
 *
 * As fal does, status, result and cancel live under the model id
 * without its subpath (fal-ai/fashn, not fal-ai/fashn/tryon/v1.6): the
 * subpath form answers 404.  Authorization: Key KEY or 401; an unknown
 * application 404; a body that is not the model's input (a missing
 * required field, an unknown one, a value out of range) 422.
 *
 * Models:
 *   fal-ai/fashn/tryon/v1.6  model_image, garment_image (+ category, mode,
 *	garment_photo_type, moderation_level, num_samples, seed,
 *	segmentation_free, output_format, sync_mode)
 *	-> {"images": [{"url", "content_type", "file_name", "file_size",
 *	   "width", "height"}]}
 *   fal-ai/kling-video/v1/standard/image-to-video  prompt, image_url
 *	(+ duration "5"|"10", negative_prompt, cfg_scale)
 *	-> {"video": {"url", "content_type", "file_name", "file_size"}}
 *
 * Test switches, POST /__script {"key": PATH of garment_image or
 * image_url, ...}:
 *   "submit": [429 | 500 | 503 | "locked", ...]  ("locked": 403, the
 *	account's balance is exhausted)
 *   "poll": [STATUS, ...], "result": [STATUS, ...]
 *   "outcome": "ok" | "fail" | "hang"
 *   "error_type": a model error type for "fail" (default
 *	content_policy_violation); "request_error": request_timeout |
 *	runner_scheduling_failure | ... (a request error instead)
 *   "fetch_delay_ms", "queue_ms", "run_ms" (timing of these predictions;
 *	"fetch_delays": [MS, ...] delays the downloads of the next ones)
 */
const emu = require('../common.js');

const str = { type: 'string' };
const bool = { type: 'boolean' };

const MODELS = {
	'fal-ai/fashn/tryon/v1.6': {
		app: 'fal-ai/fashn',
		required: { model_image: str, garment_image: str },
		optional: {
		    category: ['tops', 'bottoms', 'one-pieces', 'auto'],
		    mode: ['performance', 'balanced', 'quality'],
		    garment_photo_type: ['auto', 'flat-lay', 'model'],
		    moderation_level: ['none', 'permissive', 'conservative'],
		    num_samples: { type: 'integer', min: 1, max: 4 },
		    seed: { type: 'integer', min: 0, max: 4294967295 },
		    segmentation_free: bool, sync_mode: bool,
		    output_format: ['png', 'jpeg'] },
		images: ['model_image', 'garment_image'],
		key: 'garment_image', video: false
	},
	'fal-ai/kling-video/v1/standard/image-to-video': {
		app: 'fal-ai/kling-video',
		required: { prompt: str, image_url: str },
		optional: { duration: ['5', '10'], negative_prompt: str,
		    cfg_scale: { type: 'number', min: 0, max: 1 } },
		images: ['image_url'],
		key: 'image_url', video: true
	}
};

/* Request errors (https://docs.fal.ai/.../request-errors): status. */
const REQUEST_ERRORS = {
	request_timeout: 504, startup_timeout: 504,
	runner_scheduling_failure: 503, runner_connection_timeout: 503,
	runner_disconnected: 503, runner_connection_refused: 503,
	internal_error: 500
};

const opts = emu.parseArgs(process.argv.slice(2), 'fal/server.js');

/* A 422 model error with one entry. */
function modelError(loc, msg, type) {
	return { detail: [{ loc, msg, type,
	    url: 'https://docs.fal.ai/errors#' + type }] };
}

/* Why the input is refused, as a detail entry, or null. */
function validate(m, body) {
	if (body === null)
		return modelError(['body'], 'Input should be a valid ' +
		    'dictionary', 'dict_type');
	for (const k of Object.keys(m.required))
		if (body[k] === undefined)
			return modelError(['body', k], 'Field required',
			    'missing');
	for (const k of Object.keys(body)) {
		const c = m.required[k] || m.optional[k];
		if (c === undefined)
			return modelError(['body', k], 'Extra inputs are ' +
			    'not permitted', 'extra_forbidden');
		const v = body[k];
		let ok;
		if (Array.isArray(c))
			ok = c.includes(v);
		else if (c.type === 'string')
			ok = typeof v === 'string' && v.length > 0;
		else if (c.type === 'boolean')
			ok = typeof v === 'boolean';
		else if (c.type === 'integer')
			ok = Number.isInteger(v) && v >= c.min && v <= c.max;
		else
			ok = typeof v === 'number' && v >= c.min && v <= c.max;
		if (!ok)
			return modelError(['body', k], 'Input should be ' +
			    (Array.isArray(c) ? c.map((x) => "'" + x + "'")
			    .join(' or ') : 'a valid ' + c.type), Array.isArray(c) ?
			    'enum' : c.type + '_type');
	}
	return null;
}

function authorized(req) {
	if (req.headers.authorization === 'Key ' + opts.key)
		return true;
	e.stats.unauthorized++;
	return false;
}

function unauthorized(res) {
	emu.send(res, 401, { detail: 'Missing or invalid Authorization ' +
	    'header. Use "Key <your-fal-key>".' });
}

function urlsOf(p) {
	const base = e.base + '/' + p.model.app + '/requests/' + p.id;
	return { response_url: base, status_url: base + '/status',
	    cancel_url: base + '/cancel' };
}

function submit(req, res, name, u) {
	const m = MODELS[name];
	emu.readBody(req, (text) => {
		const body = text === null ? null : emu.parseObject(text);
		const key = emu.keyOf(body && body[m.key]);
		e.bump('submits', key);
		e.stats.bodies[key] = body;
		e.stats.headers[key] = { 'content-type':
		    req.headers['content-type'] || '' };
		if (!authorized(req))
			return unauthorized(res);
		const s = e.script(key);
		const st = e.shift(key, 'submit');
		if (st === 'locked')
			return emu.send(res, 403, { detail: 'User is locked. ' +
			    'Reason: Exhausted balance. Top up your balance ' +
			    'at fal.ai/dashboard/billing.' });
		if (st === 429)
			return emu.send(res, 429, { detail: 'Rate limit ' +
			    'exceeded' }, { 'Retry-After': String(s.retry_after ||
			    1) });
		if (st !== null)
			return emu.send(res, st, { detail: 'Internal error',
			    error_type: 'internal_error' },
			    { 'X-Fal-Error-Type': 'internal_error' });
		const bad = validate(m, body);
		if (bad !== null)
			return emu.send(res, 422, bad);
		const urls = m.images.map((k) => body[k]);
		const p = e.start(emu.newId(''), key, urls);
		p.model = m;
		p.input = body;
		p.errorType = s.error_type || 'content_policy_violation';
		p.requestError = s.request_error || null;
		p.canceled = false;
		/* fal's webhook (?fal_webhook=URL): once the request ends,
		 * {"request_id", "gateway_request_id", "status": "OK" |
		 * "ERROR", "payload", "error"?} is POSTed to URL. */
		const hook = u.searchParams.get('fal_webhook');
		if (hook !== null && /^https?:\/\//.test(hook))
			e.whenDone(p, () => {
				const f = finish(p);
				e.deliver(hook, Object.assign({ request_id: p.id,
				    gateway_request_id: p.id, status:
				    f.status === 200 ? 'OK' : 'ERROR',
				    payload: f.body }, f.status === 200 ? {} :
				    { error: 'Invalid status code: ' +
				    f.status }));
			});
		emu.send(res, 200, Object.assign({ request_id: p.id },
		    urlsOf(p), { queue_position: e.running() - 1 }));
	});
}

/* The prediction's outcome, computed once it is due. */
function finish(p) {
	if (p.final !== null)
		return p.final;
	if (p.canceled)
		return (p.final = { status: 499, body: { detail:
		    'Request was cancelled' } });
	if (p.loadError !== null)
		return (p.final = { status: 422, body: modelError(['body',
		    p.model.images[0]], 'Failed to load the image: ' +
		    p.loadError, 'image_load_error') });
	if (p.outcome === 'fail' && p.requestError !== null)
		return (p.final = { status: REQUEST_ERRORS[p.requestError] ||
		    500, body: { detail: 'Request failed',
		    error_type: p.requestError } });
	if (p.outcome === 'fail')
		return (p.final = { status: 422, body: modelError(['body',
		    p.model.images[0]], 'The request failed: ' + p.errorType,
		    p.errorType) });
	let body;
	if (p.model.video) {
		const mp4 = emu.makeMp4(64, 64, 8, 8);
		body = { video: { url: e.publish(p.id + '.mp4', 'video/mp4',
		    mp4), content_type: 'video/mp4', file_name: p.id + '.mp4',
		    file_size: mp4.length } };
	} else {
		const img = p.images[0];
		const ext = img.format === 'png' ? 'png' : 'jpg';
		body = { images: [{ url: e.publish(p.id + '.' + ext, img.type,
		    img.buf), content_type: img.type, file_name: p.id + '.' +
		    ext, file_size: img.buf.length, width: img.w,
		    height: img.h }], description: '' };
	}
	return (p.final = { status: 200, body });
}

function lookup(req, res, app, id) {
	if (!authorized(req)) {
		unauthorized(res);
		return null;
	}
	const p = e.predictions.get(id);
	if (p === undefined || p.model.app !== app) {
		emu.send(res, 404, { detail: 'Request not found' });
		return null;
	}
	return p;
}

function status(req, res, app, id, u) {
	const p = lookup(req, res, app, id);
	if (p === null)
		return;
	e.bump('polls', id);
	const st = e.shift(p.key, 'poll');
	if (st !== null)
		return emu.send(res, st, { detail: 'Internal error' });
	const ph = p.canceled || p.loadError !== null ? 'done' : e.phase(p);
	const logs = u.searchParams.get('logs') === '1' ? [] : null;
	if (ph === 'loading' || ph === 'queue')
		return emu.send(res, 202, Object.assign({ status: 'IN_QUEUE',
		    queue_position: ph === 'loading' ? 1 : 0 }, urlsOf(p)));
	if (ph === 'run')
		return emu.send(res, 202, Object.assign({ status:
		    'IN_PROGRESS', logs }, urlsOf(p)));
	finish(p);
	emu.send(res, 200, Object.assign({ status: 'COMPLETED', logs,
	    metrics: { inference_time: p.runMs / 1000 } }, urlsOf(p)));
}

function result(req, res, app, id) {
	const p = lookup(req, res, app, id);
	if (p === null)
		return;
	const st = e.shift(p.key, 'result');
	if (st !== null)
		return emu.send(res, st, { detail: 'Internal error' });
	if (!p.canceled && p.loadError === null && e.phase(p) !== 'done')
		return emu.send(res, 400, { detail: 'Request is still in ' +
		    'progress' });
	const f = finish(p);
	emu.send(res, f.status, f.body, f.status === 200 ? {} :
	    { 'X-Fal-Retryable': f.status >= 500 ? 'true' : 'false' });
}

function cancel(req, res, app, id) {
	const p = lookup(req, res, app, id);
	if (p === null)
		return;
	e.bump('cancels', id);
	if (p.final !== null || e.phase(p) === 'run' || e.phase(p) === 'done')
		return emu.send(res, 400, { status: 'ALREADY_COMPLETED' });
	p.canceled = true;
	finish(p);
	emu.send(res, 202, { status: 'CANCELLATION_REQUESTED' });
}

const e = new emu.Emulator(opts, (req, res, u) => {
	const path = u.pathname.replace(/^\/+/, '');
	let m;
	if (req.method === 'POST' && MODELS[path] !== undefined)
		return submit(req, res, path, u);
	m = /^([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/
	    .exec(path);
	if (m !== null && Object.values(MODELS).some((x) => x.app === m[1])) {
		if (req.method === 'GET' && m[3] === '/status')
			return status(req, res, m[1], m[2], u);
		if (req.method === 'GET' && m[3] === undefined)
			return result(req, res, m[1], m[2]);
		if (req.method === 'PUT' && m[3] === '/cancel')
			return cancel(req, res, m[1], m[2]);
	}
	emu.send(res, 404, { detail: 'Application not found: ' + path });
});
e.listen();
