#!/usr/bin/env node
'use strict';
/*
 * An emulator of the FASHN API (https://api.fashn.ai/v1) as its
 * documentation and official SDK publish it; the examples it is held
 * against are in examples/ beside it, with their addresses in README.md.
 *
 *   POST /v1/run[?webhook_url=URL]   {"model_name": M, "inputs": {...}}
 *	-> 200 {"id": ID, "error": null}; once the prediction ends, its
 *	   status object is POSTed to webhook_url (docs.fashn.ai
 *	   api-overview/webhooks: retried up to 5 times on a non-2xx)
 *   GET  /v1/status/{id}
 *	-> 200 {"id", "status", "output", "error"} and, once completed,
 *	   the x-fashn-credits-used header
 *
 * Strict where FASHN is: Authorization: Bearer KEY or 401
 * UnauthorizedAccess; any other path or method 404 NotFound; a body that
 * is not a JSON object with model_name and inputs, an unknown model_name,
 * a missing required input, an input the model does not take or a value
 * outside its documented range: 400 BadRequest.  The shape of every
 * API-level error is {"error": NAME, "message": TEXT}.
 *
 * A prediction downloads and decodes its input images (a failure makes
 * it fail with ImageLoadError, as FASHN's does for an unreachable or
 * expired URL), then moves starting -> in_queue -> processing ->
 * completed over time (--queue-ms, --run-ms).  The try-on output is the
 * model image's bytes; the video output is a small H.264 MP4.
 *
 * Limits like an account's: --concurrency N answers 429
 * ConcurrencyLimitExceeded while N predictions run; --credits N answers
 * 429 OutOfCredits once they are spent.
 *
 * Test switches, POST /__script {"key": PATH of the garment, product or
 * video image URL, ...}:
 *   "submit": [STATUS | NAME, ...]  the next submissions answer with it:
 *	429 (RateLimitExceeded), 500, 503, or one of the documented API
 *	error names (BadRequest, UnauthorizedAccess, NotFound,
 *	RateLimitExceeded, ConcurrencyLimitExceeded, OutOfCredits,
 *	InternalServerError)
 *   "retry_after": "1"               Retry-After sent with a 429
 *   "poll": [STATUS, ...]            the next status polls answer with it
 *   "submit_answer": "badjson" | "huge" | "noid"
 *   "poll_answer": "badjson" | "huge" | "bad_output" | "unknown_status"
 *   "outcome": "ok" | "fail" | "hang" | "canceled" | "time_out"
 *   "error_name": one of the runtime errors (default PoseError),
 *   "error_message": TEXT
 *   "fetch_delay_ms", "queue_ms", "run_ms" (timing of these predictions;
 *	"fetch_delays": [MS, ...] delays the downloads of the next ones)
 *   "credits": the x-fashn-credits-used value to send
 */
const emu = require('../common.js');

const CATEGORY = ['auto', 'tops', 'bottoms', 'one-pieces'];
const FORMAT = ['png', 'jpeg'];
const RATIO = ['21:9', '1:1', '4:3', '3:2', '2:3', '5:4', '4:5', '3:4',
    '16:9', '9:16'];

/* Input checks: a list of allowed values, or a type with bounds. */
const str = { type: 'string' };
const bool = { type: 'boolean' };
const seed = { type: 'integer', min: 0, max: 4294967295 };
const count = { type: 'integer', min: 1, max: 4 };

/*
 * The models emulated, from the SDK's PredictionRunParams: required and
 * optional inputs, which inputs are images to download, the scripting
 * key, what the output is and what it costs (credits per output).
 */
const MODELS = {
	'tryon-v1.6': {
		required: { model_image: str, garment_image: str },
		optional: { category: CATEGORY,
		    mode: ['performance', 'balanced', 'quality'],
		    garment_photo_type: ['auto', 'flat-lay', 'model'],
		    moderation_level: ['conservative', 'permissive', 'none'],
		    num_samples: count, output_format: FORMAT,
		    return_base64: bool, seed, segmentation_free: bool },
		images: ['model_image', 'garment_image'],
		key: 'garment_image', video: false,
		credits: (i) => i.num_samples || 1
	},
	'tryon-max': {
		required: { model_image: str, product_image: str },
		optional: { aspect_ratio: RATIO,
		    generation_mode: ['balanced', 'quality'],
		    num_images: count, output_format: FORMAT, prompt: str,
		    resolution: ['1k', '2k', '4k'], return_base64: bool, seed },
		images: ['model_image', 'product_image'],
		key: 'product_image', video: false,
		credits: (i) => 2 * (i.num_images || 1)
	},
	'image-to-video': {
		required: { image: str },
		optional: { duration: [5, 10], end_image: str,
		    negative_prompt: str, prompt: str,
		    resolution: ['480p', '720p', '1080p'], seed },
		images: ['image', 'end_image'],
		key: 'image', video: true,
		credits: (i) => i.duration === 10 ? 2 : 1
	}
};

/* The runtime error names (PredictionStatusResponse.Error.name). */
const RUNTIME_ERRORS = ['ImageLoadError', 'ContentModerationError',
    'PoseError', 'InputValidationError', 'PipelineError', 'ThirdPartyError',
    '3rdPartyProviderError', 'InternalServerError'];

const API_ERRORS = {
	BadRequest: [400, 'Invalid request'],
	UnauthorizedAccess: [401, 'Unauthorized: Invalid token'],
	NotFound: [404, 'Not found'],
	RateLimitExceeded: [429, 'Too many requests, slow down'],
	ConcurrencyLimitExceeded: [429, 'Too many concurrent predictions'],
	OutOfCredits: [429, 'You have run out of API credits'],
	InternalServerError: [500, 'Internal server error']
};

const opts = emu.parseArgs(process.argv.slice(2),
    'fashn/server.js');

function apiError(res, name, message, headers) {
	const e = API_ERRORS[name] || [500, ''];
	emu.send(res, e[0], { error: name, message: message || e[1] },
	    headers);
}

/* Why a value fails its check, or null. */
function badValue(name, v, check) {
	if (Array.isArray(check))
		return check.includes(v) ? null : name + ' must be one of ' +
		    check.join(', ');
	if (check.type === 'string')
		return typeof v === 'string' && v.length > 0 ? null :
		    name + ' must be a non-empty string';
	if (check.type === 'boolean')
		return typeof v === 'boolean' ? null : name +
		    ' must be a boolean';
	if (check.type === 'integer')
		return Number.isInteger(v) && v >= check.min &&
		    v <= check.max ? null : name + ' must be an integer in ' +
		    check.min + '..' + check.max;
	return name + ': unchecked';
}

/* Why a run body is refused (400), or null. */
function validate(body) {
	if (body === null)
		return 'The body must be a JSON object';
	if (typeof body.model_name !== 'string')
		return 'model_name is required';
	const m = MODELS[body.model_name];
	if (m === undefined)
		return 'Invalid model_name: ' + body.model_name;
	for (const k of Object.keys(body))
		if (k !== 'model_name' && k !== 'inputs')
			return 'Unknown property: ' + k;
	const i = body.inputs;
	if (i === null || typeof i !== 'object' || Array.isArray(i))
		return 'inputs is required';
	for (const k of Object.keys(m.required))
		if (i[k] === undefined)
			return 'inputs.' + k + ' is required for ' +
			    body.model_name;
	for (const k of Object.keys(i)) {
		const check = m.required[k] || m.optional[k];
		if (check === undefined)
			return 'inputs.' + k + ' is not an input of ' +
			    body.model_name;
		const why = badValue('inputs.' + k, i[k], check);
		if (why !== null)
			return why;
	}
	if (i.end_image !== undefined && i.resolution !== '1080p')
		return 'inputs.end_image needs resolution 1080p';
	return null;
}

function submit(req, res, u) {
	emu.readBody(req, (text) => {
		const body = text === null ? null : emu.parseObject(text);
		const m = body && MODELS[body.model_name];
		const inputs = body && body.inputs && typeof body.inputs ===
		    'object' ? body.inputs : {};
		const key = emu.keyOf(m ? inputs[m.key] : '');
		e.bump('submits', key);
		e.stats.bodies[key] = body;
		e.stats.headers[key] = { 'content-type':
		    req.headers['content-type'] || '',
		    webhook_url: u.searchParams.get('webhook_url') };
		if (req.headers.authorization !== 'Bearer ' + opts.key) {
			e.stats.unauthorized++;
			return apiError(res, 'UnauthorizedAccess');
		}
		const s = e.script(key);
		const st = e.shift(key, 'submit');
		if (st !== null) {
			const ra = { 'Retry-After': String(s.retry_after || 1) };
			if (typeof st === 'string')
				return apiError(res, st, null,
				    API_ERRORS[st] && API_ERRORS[st][0] === 429 ?
				    ra : {});
			if (st === 429)
				return apiError(res, 'RateLimitExceeded', null, ra);
			if (st >= 500)
				return emu.send(res, st, { error:
				    'InternalServerError', message:
				    'Internal server error' });
			return apiError(res, 'BadRequest');
		}
		if (!/^application\/json\b/.test(req.headers['content-type'] ||
		    ''))
			return apiError(res, 'BadRequest',
			    'Content-Type must be application/json');
		const why = validate(body);
		if (why !== null)
			return apiError(res, 'BadRequest', why);
		if (opts.concurrency > 0 && e.running() >= opts.concurrency)
			return apiError(res, 'ConcurrencyLimitExceeded', null,
			    { 'Retry-After': '1' });
		const cost = s.credits !== undefined ? s.credits :
		    m.credits(inputs);
		if (e.credits >= 0 && e.credits < cost)
			return apiError(res, 'OutOfCredits');
		if (s.submit_answer === 'badjson')
			return emu.send(res, 200, '{"id": "abc", ');
		if (s.submit_answer === 'huge')
			return emu.send(res, 200, JSON.stringify({ id: 'x',
			    pad: 'x'.repeat(2 * 1024 * 1024) }));
		if (s.submit_answer === 'noid')
			return emu.send(res, 200, { id: null,
			    error: s.error_name || 'InternalServerError' });
		const urls = m.images.filter((k) => inputs[k] !== undefined)
		    .map((k) => inputs[k]);	/* data: URLs too */
		const p = e.start(emu.newId('-u1'), key, urls);
		p.model = m;
		p.inputs = inputs;
		p.cost = cost;
		p.errorName = RUNTIME_ERRORS.includes(s.error_name) ||
		    s.error_name_any ? s.error_name : 'PoseError';
		p.errorMessage = s.error_message || null;
		p.pollAnswer = s.poll_answer || null;
		/* FASHN's webhooks: the status object, POSTed once the
		 * prediction ends, retried up to 5 times on a non-2xx. */
		const hook = u.searchParams.get('webhook_url');
		if (hook !== null && /^https?:\/\//.test(hook))
			e.whenDone(p, () => e.deliver(hook, advance(p)));
		emu.send(res, 200, { id: p.id, error: null });
	});
}

/* The prediction's status answer now; terminal answers stick. */
function advance(p) {
	if (p.final !== null)
		return p.final;
	const ph = e.phase(p);
	const live = (status) => ({ id: p.id, status, output: null,
	    error: null });
	if (ph === 'loading')
		return live('starting');
	if (p.loadError !== null)
		return (p.final = { id: p.id, status: 'failed', output: null,
		    error: { name: 'ImageLoadError', message:
		    'Error loading image: ' + p.loadError } });
	if (ph === 'queue')
		return live('in_queue');
	if (ph === 'run')
		return live('processing');
	if (p.outcome === 'fail')
		return (p.final = { id: p.id, status: 'failed', output: null,
		    error: { name: p.errorName, message: p.errorMessage ||
		    p.errorName + ' (emulated)' } });
	if (p.outcome === 'canceled' || p.outcome === 'time_out')
		return (p.final = { id: p.id, status: p.outcome,
		    output: null, error: null });
	let out;
	if (p.model.video)
		out = e.publish(p.id + '/output_0.mp4', 'video/mp4',
		    emu.makeMp4(64, 64, 8, 8));
	else {
		const img = p.images[0];
		out = e.publish(p.id + '/output_0.' + (img.format === 'png' ?
		    'png' : 'jpg'), img.type, img.buf);
	}
	if (e.credits >= 0)
		e.credits -= p.cost;
	p.charged = true;
	return (p.final = { id: p.id, status: 'completed', output: [out],
	    error: null });
}

function status(req, res, id) {
	if (req.headers.authorization !== 'Bearer ' + opts.key) {
		e.stats.unauthorized++;
		return apiError(res, 'UnauthorizedAccess');
	}
	e.bump('polls', id);
	const p = e.predictions.get(id);
	if (p === undefined)
		return apiError(res, 'NotFound', 'Prediction not found');
	const st = e.shift(p.key, 'poll');
	if (st !== null)
		return st === 404 ? apiError(res, 'NotFound',
		    'Prediction not found') : st >= 500 ?
		    emu.send(res, st, { error: 'InternalServerError',
		    message: 'Internal server error' }) :
		    apiError(res, 'RateLimitExceeded', null,
		    { 'Retry-After': '1' });
	const a = advance(p);
	if (p.pollAnswer === 'badjson')
		return emu.send(res, 200, '<html>Bad gateway</html>');
	if (p.pollAnswer === 'huge')
		return emu.send(res, 200, JSON.stringify({ id: p.id,
		    status: 'processing', pad: 'y'.repeat(2 * 1024 * 1024) }));
	if (p.pollAnswer === 'unknown_status')
		return emu.send(res, 200, { id: p.id, status: 'teleporting' });
	if (p.pollAnswer === 'bad_output' && a.status === 'completed')
		return emu.send(res, 200, { id: p.id, status: 'completed',
		    output: ['javascript:alert(1)'], error: null });
	emu.send(res, 200, a, a.status === 'completed' ?
	    { 'x-fashn-credits-used': String(p.cost) } : {});
}

const e = new emu.Emulator(opts, (req, res, u) => {
	let m;
	if (req.method === 'POST' && u.pathname === '/v1/run')
		return submit(req, res, u);
	if (req.method === 'GET' &&
	    (m = /^\/v1\/status\/([^/]+)$/.exec(u.pathname)) !== null)
		return status(req, res, decodeURIComponent(m[1]));
	apiError(res, 'NotFound', 'No such endpoint: ' + req.method + ' ' +
	    u.pathname);
});

e.listen();
