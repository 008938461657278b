#!/usr/bin/env node
'use strict';
/*
 * An emulator of Replicate's predictions API (https://api.replicate.com)
 * for the two models primerka's `replicate` provider is configured with
 * in its tests; the documented examples are in examples/ beside it.
 *
 *   POST /v1/predictions {"version": V, "input": {...}}
 *   POST /v1/models/{owner}/{name}/predictions {"input": {...}}
 *	headers: Authorization: Bearer TOKEN; Prefer: wait[=N] holds the
 *	answer up to N s (1..60, default 60) for the prediction to end;
 *	Cancel-After: DURATION (e.g. 90s, 5m) cancels it when still
 *	running then
 *	-> 201 the prediction object (200 when Prefer: wait saw it end)
 *	"webhook": URL, "webhook_events_filter": ["completed", ...]: the
 *	prediction object is POSTed to URL once it ends, signed with
 *	--webhook-secret whsec_... as Replicate documents (webhook-id,
 *	webhook-timestamp, webhook-signature) and retried on a non-2xx;
 *	the last delivery is in /__stats last_hook
 *   GET  /v1/predictions/{id}                -> 200 the prediction
 *   POST /v1/predictions/{id}/cancel         -> 200 the prediction
 *
 * A prediction is {"id", "model", "version", "input", "logs", "output",
 * "data_removed", "error", "status", "created_at", "started_at",
 * "completed_at", "urls": {"get", "cancel", "stream", "web"},
 * "metrics": {"predict_time"}}; status starting -> processing ->
 * succeeded | failed | canceled.  Errors are problem details:
 * {"title", "detail", "status"} (422 adds "invalid_fields").
 *
 * Models:
 *   cuuupid/idm-vton, version c871bb9b...d3ff4 (by version only):
 *	human_img, garm_img, garment_des required; category upper_body |
 *	lower_body | dresses; crop, force_dc, mask_only booleans; seed;
 *	steps 1..40.  Output: a URI.
 *   wan-video/wan-2.2-i2v-fast (an official model, by name): image,
 *	prompt required; num_frames, resolution 480p | 720p, seed.
 *	Output: a URI.
 *
 * Test switches, POST /__script {"key": PATH of garm_img or image, ...}:
 *   "submit": [429 | 500 | 503 | 402, ...]  (402: the account's credit
 *	is used up), "poll": [STATUS, ...], "retry_after": "1"
 *   "outcome": "ok" | "fail" | "hang", "error": TEXT for "fail"
 *   "fetch_delay_ms", "queue_ms", "run_ms" (timing of these predictions;
 *	"fetch_delays": [MS, ...] delays the downloads of the next ones)
 */
const crypto = require('crypto');
const emu = require('../common.js');

const IDM_VERSION =
    'c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4';
const str = { type: 'string' };
const bool = { type: 'boolean' };

const MODELS = {
	'cuuupid/idm-vton': {
		version: IDM_VERSION, byName: false,
		required: { human_img: str, garm_img: str, garment_des: str },
		optional: { category: ['upper_body', 'lower_body', 'dresses'],
		    crop: bool, force_dc: bool, mask_only: bool,
		    seed: { type: 'integer', min: 0, max: 2147483647 },
		    steps: { type: 'integer', min: 1, max: 40 } },
		images: ['human_img', 'garm_img'], key: 'garm_img',
		video: false
	},
	'wan-video/wan-2.2-i2v-fast': {
		version: null, byName: true,
		required: { image: str, prompt: str },
		optional: { num_frames: { type: 'integer', min: 81, max: 121 },
		    resolution: ['480p', '720p'],
		    seed: { type: 'integer', min: 0, max: 2147483647 } },
		images: ['image'], key: 'image', video: true
	}
};

const opts = emu.parseArgs(process.argv.slice(2),
    'replicate/server.js');

function problem(res, status, title, detail, extra, headers) {
	emu.send(res, status, Object.assign({ title, detail, status },
	    extra || {}), Object.assign({ 'Content-Type':
	    'application/problem+json' }, headers || {}));
}

function authorized(req, res) {
	if (req.headers.authorization === 'Bearer ' + opts.key)
		return true;
	e.stats.unauthorized++;
	problem(res, 401, 'Unauthenticated', 'You did not pass a valid ' +
	    'authentication token');
	return false;
}

/* The invalid fields of input, as Replicate lists them. */
function invalid(m, input) {
	const bad = [];
	for (const k of Object.keys(m.required))
		if (input[k] === undefined)
			bad.push({ type: 'required', field: 'input',
			    description: k + ' is required' });
	for (const k of Object.keys(input)) {
		const c = m.required[k] || m.optional[k];
		const v = input[k];
		if (c === undefined) {
			bad.push({ type: 'additional_property_not_allowed',
			    field: 'input', description: 'Additional ' +
			    'property ' + k + ' is not allowed' });
			continue;
		}
		const ok = Array.isArray(c) ? c.includes(v) :
		    c.type === 'string' ? typeof v === 'string' :
		    c.type === 'boolean' ? typeof v === 'boolean' :
		    Number.isInteger(v) && v >= c.min && v <= c.max;
		if (!ok)
			bad.push({ type: Array.isArray(c) ? 'enum' :
			    'invalid_type', field: 'input.' + k,
			    description: k + ' is not valid' });
	}
	return bad;
}

/* Seconds of a Cancel-After value (e.g. 90s, 5m, 1h30m), or NaN. */
function duration(v) {
	if (typeof v !== 'string' || !/^(\d+(ms|s|m|h))+$/.test(v))
		return NaN;
	let s = 0;
	const unit = { ms: 0.001, s: 1, m: 60, h: 3600 };
	for (const m of v.matchAll(/(\d+)(ms|s|m|h)/g))
		s += parseInt(m[1], 10) * unit[m[2]];
	return s;
}

function newId() {
	const a = 'abcdefghijklmnopqrstuvwxyz234567';
	return Array.from(crypto.randomBytes(26), (b) => a[b & 31]).join('');
}

/* The prediction object now (advancing it). */
function view(p) {
	if (p.final === null) {
		const ph = p.canceled ? 'done' : e.phase(p);
		if (p.cancelAt > 0 && Date.now() >= p.cancelAt &&
		    ph !== 'done')
			p.canceled = true;
		if (p.canceled)
			p.final = { status: 'canceled', output: null,
			    error: null };
		else if (ph === 'loading' || ph === 'queue')
			p.status = 'starting';
		else if (ph === 'run') {
			p.status = 'processing';
			p.started = p.started || new Date().toISOString();
		} else if (p.loadError !== null)
			p.final = { status: 'failed', output: null,
			    error: 'Failed to load image: ' + p.loadError };
		else if (p.outcome === 'fail')
			p.final = { status: 'failed', output: null,
			    error: p.error };
		else {
			let out;
			if (p.model.video)
				out = e.publish(p.id + '/output.mp4',
				    'video/mp4', emu.makeMp4(64, 64, 8, 8));
			else {
				const img = p.images[0];
				out = e.publish(p.id + '/output.' +
				    (img.format === 'png' ? 'png' : 'jpg'),
				    img.type, img.buf);
			}
			p.final = { status: 'succeeded', output: out,
			    error: null };
		}
		if (p.final !== null)
			p.completed = new Date().toISOString();
	}
	const f = p.final || { status: p.status, output: null, error: null };
	const base = e.base + '/v1/predictions/' + p.id;
	return { id: p.id, model: p.name, version: p.model.version ||
	    'hidden', input: p.input, logs: '', output: f.output,
	    data_removed: false, error: f.error, status: f.status,
	    created_at: p.createdAt, started_at: p.started || null,
	    completed_at: p.completed || null,
	    urls: { get: base, cancel: base + '/cancel',
	    stream: base + '/stream',
	    web: 'https://replicate.com/p/' + p.id },
	    metrics: f.status === 'succeeded' ?
	    { predict_time: p.runMs / 1000 } : {} };
}

function create(req, res, name) {
	emu.readBody(req, (text) => {
		const body = text === null ? null : emu.parseObject(text);
		let m = name === null ? null : MODELS[name];
		if (name === null && body !== null)
			for (const [n, x] of Object.entries(MODELS))
				if (x.version !== null && (body.version ===
				    x.version || body.version === n + ':' +
				    x.version)) {
					m = x;
					name = n;
				}
		const input = body !== null && body.input !== null &&
		    typeof body.input === 'object' ? body.input : {};
		const key = emu.keyOf(m ? input[m.key] : '');
		e.bump('submits', key);
		e.stats.bodies[key] = body;
		e.stats.headers[key] = { prefer: req.headers.prefer || null,
		    'cancel-after': req.headers['cancel-after'] || null };
		if (!authorized(req, res))
			return;
		const s = e.script(key);
		const st = e.shift(key, 'submit');
		if (st === 402)
			return problem(res, 402, 'Insufficient credit', 'You ' +
			    'have insufficient credit to run this model. Go ' +
			    'to https://replicate.com/account/billing#billing ' +
			    'to purchase credit.');
		if (st === 429)
			return problem(res, 429, 'Request was throttled.',
			    'Request was throttled. Expected available in 1 ' +
			    'second.', null, { 'Retry-After':
			    String(s.retry_after || 1) });
		if (st !== null)
			return problem(res, st, 'Internal Server Error',
			    'Something went wrong');
		if (m === undefined || m === null)
			return problem(res, name === null ? 422 : 404,
			    name === null ? 'Invalid version or not permitted' :
			    'Not found', name === null ? 'The specified ' +
			    'version does not exist (or perhaps you do not ' +
			    'have permission to use it?)' : 'The requested ' +
			    'resource could not be found.');
		if (m.byName !== (req.url.startsWith('/v1/models/')))
			return problem(res, 422, 'Invalid version or not ' +
			    'permitted', 'Use ' + (m.byName ?
			    '/v1/models/' + name + '/predictions' :
			    '/v1/predictions with a version') + ' for ' + name);
		const keys = Object.keys(body).filter((k) => !['input',
		    'version', 'webhook', 'webhook_events_filter',
		    'stream'].includes(k));
		const bad = invalid(m, input).concat(keys.map((k) => ({
		    type: 'additional_property_not_allowed', field: k,
		    description: 'Additional property ' + k + ' is not ' +
		    'allowed' })));
		if (body.input === undefined)
			bad.unshift({ type: 'required', field: '(root)',
			    description: 'input is required' });
		if (bad.length > 0)
			return problem(res, 422, 'Input validation failed',
			    bad.map((b) => '- ' + b.field + ': ' +
			    b.description).join('\n') + '\n',
			    { invalid_fields: bad });
		const ca = req.headers['cancel-after'];
		if (ca !== undefined && isNaN(duration(ca)))
			return problem(res, 400, 'Invalid Cancel-After header',
			    'Cancel-After must be a duration such as 90s');
		const p = e.start(newId(), key, m.images.map((k) => input[k]));
		p.model = m;
		p.name = name;
		p.input = input;
		p.createdAt = new Date().toISOString();
		p.status = 'starting';
		p.canceled = false;
		p.error = s.error || 'Something went wrong in the model';
		p.cancelAt = ca === undefined ? 0 : Date.now() +
		    1000 * duration(ca);
		/* Replicate's webhook: the prediction object POSTed once it
		 * ends ("completed" in webhook_events_filter), signed as
		 * Replicate signs (webhook-id, webhook-timestamp,
		 * webhook-signature: v1,BASE64(HMAC-SHA256(key, "id.ts.body"))
		 * with the key the base64 of --webhook-secret whsec_...). */
		if (typeof body.webhook === 'string' &&
		    /^https?:\/\//.test(body.webhook) &&
		    (!Array.isArray(body.webhook_events_filter) ||
		    body.webhook_events_filter.includes('completed')))
			e.whenDone(p, () => sendHook(body.webhook, view(p)));
		const pw = /^wait(?:=(\d+))?$/.exec(req.headers.prefer || '');
		if (pw === null)
			return emu.send(res, 201, view(p));
		const until = Date.now() + 1000 * Math.min(60,
		    Math.max(1, parseInt(pw[1] || '60', 10)));
		const tick = () => {
			const v = view(p);
			if (p.final !== null || Date.now() >= until)
				return emu.send(res, p.final !== null ? 200 :
				    201, v);
			setTimeout(tick, 20);
		};
		tick();
	});
}

/* One signed webhook delivery (see create()). */
function sendHook(url, obj) {
	const text = JSON.stringify(obj);
	const id = 'msg_' + newId();
	const ts = String(Math.floor(Date.now() / 1000));
	const h = {};
	if (opts.webhookSecret !== null) {
		const key = Buffer.from(opts.webhookSecret.replace(/^whsec_/,
		    ''), 'base64');
		const sig = crypto.createHmac('sha256', key).update(id + '.' +
		    ts + '.' + text).digest('base64');
		h['webhook-id'] = id;
		h['webhook-timestamp'] = ts;
		h['webhook-signature'] = 'v1,' + sig;
	}
	e.stats.last_hook = { url, body: text, headers: h };
	e.deliver(url, text, h);
}

function get(req, res, id, cancel) {
	if (!authorized(req, res))
		return;
	const p = e.predictions.get(id);
	if (p === undefined)
		return problem(res, 404, 'Not found', 'The requested ' +
		    'resource could not be found.');
	if (cancel) {
		e.bump('cancels', id);
		if (p.final === null)
			p.canceled = true;
		return emu.send(res, 200, view(p));
	}
	e.bump('polls', id);
	const st = e.shift(p.key, 'poll');
	if (st !== null)
		return problem(res, st, 'Internal Server Error',
		    'Something went wrong');
	emu.send(res, 200, view(p));
}

const e = new emu.Emulator(opts, (req, res, u) => {
	let m;
	if (req.method === 'POST' && u.pathname === '/v1/predictions')
		return create(req, res, null);
	if (req.method === 'POST' && (m = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/
	    .exec(u.pathname)) !== null)
		return create(req, res, m[1]);
	if ((m = /^\/v1\/predictions\/([a-z0-9]+)(\/cancel)?$/
	    .exec(u.pathname)) !== null &&
	    (req.method === 'GET') === (m[2] === undefined) &&
	    (req.method === 'GET' || req.method === 'POST'))
		return get(req, res, m[1], m[2] !== undefined);
	problem(res, 404, 'Not found', 'The requested resource could not ' +
	    'be found.');
});
e.listen();
