#!/usr/bin/env node
'use strict';
/*
 * A local emulator of the hosted APIs that lib/providers/http.c talks to
 * (the wire shapes are in lib/providers/http.h): FASHN-style try-on
 * (POST /v1/run, GET /v1/status/{id}) and image-to-video
 * (POST /v1/animate, same status endpoint).  Node's standard library only.
 *
 *   node t/provider_emulator.js [PORT] [--key KEY] [--steps N]
 *
 * Listens on 127.0.0.1:PORT (0 or none: a free port) and prints the port
 * as the first line of stdout.  KEY (default "test-key") is the Bearer
 * token it requires (401 otherwise).  A prediction answers "starting"
 * until its inputs are fetched, then in_queue/processing for N polls
 * (default 2), then completes.
 *
 * The API may sit under any path prefix ({prefix}/v1/run ...), so a test
 * can give the video API a base of its own.
 *
 * It really fetches the model/garment (or animation) image URLs it is
 * given; a fetch that fails makes the prediction fail with
 * ImageLoadError, as FASHN does.  The try-on output, served at
 * /files/{id}.{ext}, is the model image's bytes; the animation output is
 * a small H.264 MP4 built here (I_PCM macroblocks, no encoder needed).
 *
 * Inputs it serves itself, so that tests need no storage server:
 *   GET /inputs/{name}[?X-Amz-Credential=..&X-Amz-Signature=..]
 *     a small PNG; like a presigned URL, 403 unless X-Amz-Signature is
 *     "good" when given and X-Amz-Credential (when given) decodes to a
 *     value holding '/'; names starting with "missing" answer 404.
 *
 * Scripting, per input: the key is the path of the garment URL (try-on)
 * or the image URL (animation), e.g. "/inputs/g-429.png".
 *   POST /__script {"key": K,
 *     "submit": [429, 500, ...],   statuses for the next submissions
 *     "poll": [500, 404, ...],     statuses for the next polls
 *     "retry_after": "1",          Retry-After sent with a 429
 *     "submit_answer": "badjson" | "huge" | "noid" (2xx with a bad body),
 *     "poll_answer": "badjson" | "huge" | "bad_output" | "unknown_status",
 *     "outcome": "ok" | "fail" | "hang",
 *     "error_name": "PoseError", "error_message": "..."}
 *   POST /__reset             forget scripts, predictions and stats
 *   GET /__stats              {"submits": {K: n}, "created": {K: n},
 *     "polls": {id: n}, "fetches": {path: n}, "bodies": {K: last body},
 *     "paths": {"POST /prefix/v1/run": n, ...}, "unauthorized": n}
 * Submissions are counted per key before the key check, including the
 * ones answered with a scripted error.
 */
const http = require('http');
const zlib = require('zlib');
const crypto = require('crypto');

const args = process.argv.slice(2);
let port = 0;
let apiKey = 'test-key';
let steps = 2;
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--key' && i + 1 < args.length)
		apiKey = args[++i];
	else if (args[i] === '--steps' && i + 1 < args.length)
		steps = parseInt(args[++i], 10);
	else if (/^\d+$/.test(args[i]))
		port = parseInt(args[i], 10);
	else {
		process.stderr.write('usage: provider_emulator.js [PORT] ' +
		    '[--key KEY] [--steps N]\n');
		process.exit(2);
	}
}

let scripts = new Map();
let predictions = new Map();
let files = new Map();
let stats;

function resetStats() {
	stats = { submits: {}, created: {}, polls: {}, fetches: {},
	    bodies: {}, paths: {}, unauthorized: 0 };
}
resetStats();

function bump(obj, k) {
	obj[k] = (obj[k] || 0) + 1;
}

/* ---- PNG ---------------------------------------------------------- */

const crcTable = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

function crc32(buf) {
	let c = 0xffffffff;
	for (const b of buf)
		c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(td));
	return Buffer.concat([len, td, crc]);
}

/* A w x h RGB PNG: a gradient tinted by seed. */
function makePng(w, h, seed) {
	const raw = Buffer.alloc((w * 3 + 1) * h);
	for (let y = 0; y < h; y++) {
		const row = y * (w * 3 + 1);
		raw[row] = 0;
		for (let x = 0; x < w; x++) {
			raw[row + 1 + x * 3] = (x * 255 / w + seed) & 0xff;
			raw[row + 2 + x * 3] = (y * 255 / h) & 0xff;
			raw[row + 3 + x * 3] = (seed * 7) & 0xff;
		}
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 2;	/* RGB */
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', zlib.deflateSync(raw)),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

/* ---- H.264 in MP4 ------------------------------------------------- */

class BitWriter {
	constructor() { this.bytes = []; this.cur = 0; this.n = 0; }
	bit(b) {
		this.cur = (this.cur << 1) | (b & 1);
		if (++this.n === 8) {
			this.bytes.push(this.cur);
			this.cur = 0;
			this.n = 0;
		}
	}
	bits(v, n) {
		for (let i = n - 1; i >= 0; i--)
			this.bit((v >>> i) & 1);
	}
	ue(v) {
		const x = v + 1;
		const len = 31 - Math.clz32(x);
		this.bits(0, len);
		this.bits(x, len + 1);
	}
	se(v) { this.ue(v > 0 ? 2 * v - 1 : -2 * v); }
	align0() { while (this.n !== 0) this.bit(0); }
	trailing() { this.bit(1); this.align0(); }
	byte(v) { this.bits(v, 8); }
	buffer() { return Buffer.from(this.bytes); }
}

/* NAL unit: header byte plus the RBSP with emulation prevention. */
function nal(refIdc, type, rbsp) {
	const out = [(refIdc << 5) | type];
	let zeros = 0;
	for (const b of rbsp) {
		if (zeros >= 2 && b <= 3) {
			out.push(3);
			zeros = 0;
		}
		out.push(b);
		zeros = b === 0 ? zeros + 1 : 0;
	}
	return Buffer.from(out);
}

/*
 * A Baseline H.264 stream of w x h (multiples of 16) frames, each an IDR
 * picture of I_PCM macroblocks: raw samples, so no encoder is needed.
 */
function h264Frames(w, h, count) {
	const mbw = w / 16, mbh = h / 16;
	const sps = new BitWriter();
	sps.byte(66);		/* profile_idc: Baseline */
	sps.byte(0xc0);		/* constraint_set0/1 */
	sps.byte(30);		/* level 3.0 */
	sps.ue(0);		/* seq_parameter_set_id */
	sps.ue(0);		/* log2_max_frame_num_minus4 */
	sps.ue(2);		/* pic_order_cnt_type */
	sps.ue(1);		/* max_num_ref_frames */
	sps.bit(0);		/* gaps_in_frame_num_value_allowed_flag */
	sps.ue(mbw - 1);
	sps.ue(mbh - 1);
	sps.bit(1);		/* frame_mbs_only_flag */
	sps.bit(1);		/* direct_8x8_inference_flag */
	sps.bit(0);		/* frame_cropping_flag */
	sps.bit(0);		/* vui_parameters_present_flag */
	sps.trailing();
	const pps = new BitWriter();
	pps.ue(0);		/* pic_parameter_set_id */
	pps.ue(0);		/* seq_parameter_set_id */
	pps.bit(0);		/* entropy_coding_mode_flag: CAVLC */
	pps.bit(0);		/* bottom_field_pic_order_in_frame_present */
	pps.ue(0);		/* num_slice_groups_minus1 */
	pps.ue(0);		/* num_ref_idx_l0_default_active_minus1 */
	pps.ue(0);		/* num_ref_idx_l1_default_active_minus1 */
	pps.bit(0);		/* weighted_pred_flag */
	pps.bits(0, 2);		/* weighted_bipred_idc */
	pps.se(0);		/* pic_init_qp_minus26 */
	pps.se(0);		/* pic_init_qs_minus26 */
	pps.se(0);		/* chroma_qp_index_offset */
	pps.bit(0);		/* deblocking_filter_control_present_flag */
	pps.bit(0);		/* constrained_intra_pred_flag */
	pps.bit(0);		/* redundant_pic_cnt_present_flag */
	pps.trailing();

	const frames = [];
	for (let f = 0; f < count; f++) {
		const s = new BitWriter();
		s.ue(0);	/* first_mb_in_slice */
		s.ue(7);	/* slice_type: I (all) */
		s.ue(0);	/* pic_parameter_set_id */
		s.bits(0, 4);	/* frame_num */
		s.ue(f % 2);	/* idr_pic_id */
		s.bit(0);	/* no_output_of_prior_pics_flag */
		s.bit(0);	/* long_term_reference_flag */
		s.se(0);	/* slice_qp_delta */
		for (let my = 0; my < mbh; my++) {
			for (let mx = 0; mx < mbw; mx++) {
				s.ue(25);	/* mb_type: I_PCM */
				s.align0();
				for (let y = 0; y < 16; y++)
					for (let x = 0; x < 16; x++) {
						const px = mx * 16 + x + f * 4;
						const py = my * 16 + y;
						s.byte(16 + ((px * 3 + py) % 220));
					}
				for (let i = 0; i < 64; i++)
					s.byte(128 + ((f * 8) % 64) - 32);
				for (let i = 0; i < 64; i++)
					s.byte(160 - ((mx + my) * 8 % 64));
			}
		}
		s.trailing();
		frames.push(nal(3, 5, s.buffer()));
	}
	return { sps: nal(3, 7, sps.buffer()), pps: nal(3, 8, pps.buffer()),
	    frames };
}

function box(type, ...parts) {
	const body = Buffer.concat(parts);
	const head = Buffer.alloc(8);
	head.writeUInt32BE(body.length + 8, 0);
	head.write(type, 4, 'ascii');
	return Buffer.concat([head, body]);
}

function fullbox(type, version, flags, ...parts) {
	const vf = Buffer.alloc(4);
	vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff));
	return box(type, vf, ...parts);
}

function u32(...vals) {
	const b = Buffer.alloc(4 * vals.length);
	vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
	return b;
}

function u16(...vals) {
	const b = Buffer.alloc(2 * vals.length);
	vals.forEach((v, i) => b.writeUInt16BE(v & 0xffff, 2 * i));
	return b;
}

const MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

/* A faststart MP4 (moov before mdat) of count frames at fps. */
function makeMp4(w, h, count, fps) {
	const { sps, pps, frames } = h264Frames(w, h, count);
	const samples = frames.map((f) => Buffer.concat([u32(f.length), f]));
	const timescale = 1000 * fps, delta = 1000;
	const mdur = Math.round(count * 1000 / fps);

	const avcC = box('avcC', Buffer.from([1, sps[1], sps[2], sps[3],
	    0xff, 0xe1]), u16(sps.length), sps, Buffer.from([1]),
	    u16(pps.length), pps);
	const compressor = Buffer.alloc(32);
	const avc1 = box('avc1', Buffer.alloc(6), u16(1), Buffer.alloc(16),
	    u16(w, h), u32(0x00480000, 0x00480000, 0), u16(1), compressor,
	    u16(0x18, 0xffff), avcC);
	const stbl = (chunkOffset) => box('stbl',
	    fullbox('stsd', 0, 0, u32(1), avc1),
	    fullbox('stts', 0, 0, u32(1, count, delta)),
	    fullbox('stsc', 0, 0, u32(1, 1, count, 1)),
	    fullbox('stsz', 0, 0, u32(0, count),
		u32(...samples.map((s) => s.length))),
	    fullbox('stco', 0, 0, u32(1, chunkOffset)));
	const moov = (chunkOffset) => box('moov',
	    fullbox('mvhd', 0, 0, u32(0, 0, 1000, mdur, 0x00010000),
		u16(0x0100), Buffer.alloc(10), MATRIX, Buffer.alloc(24),
		u32(2)),
	    box('trak',
		fullbox('tkhd', 0, 3, u32(0, 0, 1, 0, mdur, 0, 0),
		    u16(0, 0, 0, 0), MATRIX, u32(w << 16, h << 16)),
		box('mdia',
		    fullbox('mdhd', 0, 0, u32(0, 0, timescale,
			count * delta), u16(0x55c4, 0)),
		    fullbox('hdlr', 0, 0, u32(0), Buffer.from('vide'),
			Buffer.alloc(12), Buffer.from('VideoHandler\0')),
		    box('minf',
			fullbox('vmhd', 0, 1, u16(0, 0, 0, 0)),
			box('dinf', fullbox('dref', 0, 0, u32(1),
			    fullbox('url ', 0, 1))),
			stbl(chunkOffset)))));
	const ftyp = box('ftyp', Buffer.from('isom'), u32(512),
	    Buffer.from('isomiso2avc1mp41'));
	const moovLen = moov(0).length;
	const mdat = box('mdat', ...samples);
	return Buffer.concat([ftyp, moov(ftyp.length + moovLen + 8), mdat]);
}

/* ---- HTTP --------------------------------------------------------- */

let baseUrl = '';

function send(res, status, obj, headers) {
	const body = typeof obj === 'string' || Buffer.isBuffer(obj) ?
	    obj : JSON.stringify(obj);
	res.writeHead(status, Object.assign({
	    'Content-Type': 'application/json' }, headers || {}));
	res.end(body);
}

function readBody(req, cb) {
	const chunks = [];
	let len = 0;
	req.on('data', (c) => {
		len += c.length;
		if (len <= 1024 * 1024)
			chunks.push(c);
	});
	req.on('end', () => cb(len > 1024 * 1024 ? null :
	    Buffer.concat(chunks).toString('utf8')));
}

function authorized(req) {
	if (req.headers.authorization === 'Bearer ' + apiKey)
		return true;
	stats.unauthorized++;
	return false;
}

function keyOf(u) {
	try {
		return new URL(u).pathname;
	} catch (e) {
		return String(u);
	}
}

/* Fetch an input as a hosted API would: 200 and an image type only. */
async function fetchInput(u) {
	const r = await fetch(u, { signal: AbortSignal.timeout(10000) });
	if (r.status !== 200)
		throw new Error('HTTP ' + r.status);
	const type = r.headers.get('content-type') || '';
	if (!type.startsWith('image/'))
		throw new Error('not an image: ' + type);
	return { type, buf: Buffer.from(await r.arrayBuffer()) };
}

function scriptShift(key, field) {
	const s = scripts.get(key);
	if (s && Array.isArray(s[field]) && s[field].length > 0)
		return s[field].shift();
	return null;
}

/* Answer with a scripted error status. */
function sendScripted(res, key, status) {
	const s = scripts.get(key) || {};
	if (status === 429)
		send(res, 429, { error: 'RateLimitExceeded',
		    message: 'Too many requests' },
		    { 'Retry-After': String(s.retry_after || '1') });
	else if (status >= 500)
		send(res, status, { error: 'InternalServerError',
		    message: 'Internal server error' });
	else if (status === 404)
		send(res, 404, { error: 'NotFound',
		    message: 'Prediction not found' });
	else
		send(res, status, { error: 'BadRequest',
		    message: 'Invalid input: ' + key });
}

function startPrediction(kind, key, inputs) {
	const id = crypto.randomBytes(8).toString('hex') + '-u1';
	const s = scripts.get(key) || {};
	const p = { id, kind, key, polls: 0, fetched: false, fetchErr: null,
	    outcome: s.outcome || 'ok', errorName: s.error_name || 'PoseError',
	    errorMessage: s.error_message || null,
	    pollAnswer: s.poll_answer || null, final: null, inputs };
	predictions.set(id, p);
	bump(stats.created, key);
	const urls = kind === 'tryon' ?
	    [inputs.model_image, inputs.garment_image] : [inputs.image];
	Promise.all(urls.map((u) => fetchInput(u))).then((got) => {
		if (kind === 'tryon') {
			const ext = got[0].type === 'image/png' ? 'png' :
			    'jpg';
			files.set(id + '.' + ext, got[0]);
			p.output = baseUrl + '/files/' + id + '.' + ext;
		} else {
			files.set(id + '.mp4', { type: 'video/mp4',
			    buf: makeMp4(64, 64, 8, 8) });
			p.output = baseUrl + '/files/' + id + '.mp4';
		}
		p.fetched = true;
	}, (e) => {
		p.fetchErr = 'Error loading input image ' +
		    urls.join(' ') + ': ' + e.message;
		p.fetched = true;
	});
	return id;
}

function handleSubmit(req, res, kind) {
	readBody(req, (text) => {
		let body;
		try {
			body = JSON.parse(text);
		} catch (e) {
			body = null;
		}
		if (body === null || typeof body !== 'object')
			return send(res, 400, { error: 'BadRequest',
			    message: 'Invalid JSON' });
		let inputs = body;
		if (kind === 'tryon' && body.inputs !== undefined) {
			if (typeof body.model_name !== 'string' ||
			    typeof body.inputs !== 'object')
				return send(res, 400, { error: 'BadRequest',
				    message: 'model_name and inputs' });
			inputs = body.inputs;
		}
		const main = kind === 'tryon' ? inputs.garment_image :
		    inputs.image;
		const key = keyOf(main);
		bump(stats.submits, key);
		stats.bodies[key] = body;
		if (!authorized(req))
			return send(res, 401, { error: 'UnauthorizedAccess',
			    message: 'Unauthorized: Invalid token' });
		const st = scriptShift(key, 'submit');
		if (st !== null)
			return sendScripted(res, key, st);
		if (kind === 'tryon') {
			if (typeof inputs.model_image !== 'string' ||
			    typeof inputs.garment_image !== 'string' ||
			    (inputs.category !== undefined && !['auto',
			    'tops', 'bottoms', 'one-pieces'].includes(
			    inputs.category)))
				return send(res, 400, { error: 'BadRequest',
				    message: 'model_image, garment_image, ' +
				    'category' });
		} else if (typeof inputs.image !== 'string' ||
		    (inputs.prompt !== undefined &&
		    typeof inputs.prompt !== 'string'))
			return send(res, 400, { error: 'BadRequest',
			    message: 'image, prompt' });
		const s = scripts.get(key) || {};
		if (s.submit_answer === 'badjson')
			return send(res, 200, '{"id": "abc", ');
		if (s.submit_answer === 'huge')
			return send(res, 200, JSON.stringify({ id: 'x',
			    pad: 'x'.repeat(2 * 1024 * 1024) }));
		if (s.submit_answer === 'noid')
			return send(res, 200, { id: null,
			    error: s.error_name || 'NSFWError' });
		send(res, 200, { id: startPrediction(kind, key, inputs),
		    error: null });
	});
}

/* The prediction's next answer; terminal answers stick. */
function advance(p) {
	if (p.final !== null)
		return p.final;
	p.polls++;
	if (!p.fetched)
		return { id: p.id, status: 'starting', output: null,
		    error: null };
	if (p.fetchErr !== null)
		return (p.final = { id: p.id, status: 'failed', output: null,
		    error: { name: 'ImageLoadError', message: p.fetchErr } });
	if (p.outcome === 'hang' || p.polls <= steps)
		return { id: p.id, status: p.polls <= 1 ? 'in_queue' :
		    'processing', output: null, error: null };
	if (p.outcome === 'fail') {
		const u = p.kind === 'tryon' ? p.inputs.model_image :
		    p.inputs.image;
		return (p.final = { id: p.id, status: 'failed', output: null,
		    error: { name: p.errorName, message: p.errorMessage ||
		    'Failed on ' + u } });
	}
	return (p.final = { id: p.id, status: 'completed',
	    output: [p.output], error: null });
}

function handleStatus(req, res, id) {
	if (!authorized(req))
		return send(res, 401, { error: 'UnauthorizedAccess',
		    message: 'Unauthorized: Invalid token' });
	bump(stats.polls, id);
	const p = predictions.get(id);
	if (p === undefined)
		return send(res, 404, { error: 'NotFound',
		    message: 'Prediction not found' });
	const st = scriptShift(p.key, 'poll');
	if (st !== null)
		return sendScripted(res, p.key, st);
	const a = advance(p);
	if (p.pollAnswer === 'badjson')
		return send(res, 200, '<html>Bad gateway</html>');
	if (p.pollAnswer === 'huge')
		return send(res, 200, JSON.stringify({ id: p.id,
		    status: 'processing', pad: 'y'.repeat(2 * 1024 * 1024) }));
	if (p.pollAnswer === 'unknown_status')
		return send(res, 200, { id: p.id, status: 'teleporting' });
	if (p.pollAnswer === 'bad_output' && a.status === 'completed')
		return send(res, 200, { id: p.id, status: 'completed',
		    output: ['javascript:alert(1)'], error: null });
	send(res, 200, a);
}

function handleInput(req, res, u) {
	bump(stats.fetches, u.pathname);
	const name = u.pathname.slice('/inputs/'.length);
	const sig = u.searchParams.get('X-Amz-Signature');
	const cred = u.searchParams.get('X-Amz-Credential');
	if ((sig !== null && sig !== 'good') ||
	    (cred !== null && !cred.includes('/')))
		return send(res, 403, '<Error><Code>SignatureDoesNotMatch' +
		    '</Code></Error>', { 'Content-Type': 'application/xml' });
	if (name.startsWith('missing'))
		return send(res, 404, '<Error><Code>NoSuchKey</Code></Error>',
		    { 'Content-Type': 'application/xml' });
	let seed = 0;
	for (const ch of name)
		seed = (seed * 31 + ch.charCodeAt(0)) & 0xff;
	send(res, 200, makePng(48, 64, seed), { 'Content-Type': 'image/png' });
}

const server = http.createServer((req, res) => {
	let u;
	try {
		u = new URL(req.url, 'http://127.0.0.1');
	} catch (e) {
		return send(res, 400, { error: 'BadRequest' });
	}
	const path = u.pathname;
	let m;
	bump(stats.paths, req.method + ' ' + path.replace(
	    /\/v1\/status\/.*$/, '/v1/status/ID'));
	if (req.method === 'GET' && path === '/__stats')
		return send(res, 200, stats);
	if (req.method === 'POST' && path === '/__reset') {
		scripts = new Map();
		predictions = new Map();
		files = new Map();
		resetStats();
		return send(res, 200, { ok: true });
	}
	if (req.method === 'POST' && path === '/__script')
		return readBody(req, (text) => {
			let s;
			try {
				s = JSON.parse(text);
			} catch (e) {
				return send(res, 400, { error: 'BadRequest' });
			}
			if (!s || typeof s.key !== 'string')
				return send(res, 400, { error: 'BadRequest' });
			scripts.set(s.key, s);
			send(res, 200, { ok: true });
		});
	if (req.method === 'GET' && path.startsWith('/inputs/'))
		return handleInput(req, res, u);
	if (req.method === 'GET' &&
	    (m = /^\/files\/([A-Za-z0-9._-]+)$/.exec(path)) !== null) {
		const f = files.get(m[1]);
		if (f === undefined)
			return send(res, 404, { error: 'NotFound' });
		return send(res, 200, f.buf, { 'Content-Type': f.type });
	}
	if (req.method === 'POST' && /(^|\/)v1\/run$/.test(path))
		return handleSubmit(req, res, 'tryon');
	if (req.method === 'POST' && /(^|\/)v1\/animate$/.test(path))
		return handleSubmit(req, res, 'animate');
	if (req.method === 'GET' &&
	    (m = /(?:^|\/)v1\/status\/([^/]+)$/.exec(path)) !== null)
		return handleStatus(req, res, decodeURIComponent(m[1]));
	send(res, 404, { error: 'NotFound', message: 'No such endpoint' });
});

server.listen(port, '127.0.0.1', () => {
	const p = server.address().port;
	baseUrl = 'http://127.0.0.1:' + p;
	process.stdout.write(p + '\n');
});

for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		server.close();
		process.exit(0);
	});
