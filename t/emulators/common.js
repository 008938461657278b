'use strict';
/*
 * What the three vendor emulators (t/emulators/{fashn,fal,replicate}/
 * server.js) share: test images and videos made here (no files, no
 * packages), a real download-and-decode of the input URLs a vendor is
 * handed, presigned-looking inputs served by the emulator itself, its
 * result files, and the test hooks every emulator answers:
 *
 *   POST /__script {"key": K, ...}   vendor-specific switches for the
 *     predictions whose main input URL has the path K (the garment or
 *     product image of a try-on, the image of a video)
 *   POST /__reset                  forget scripts, predictions, stats
 *   GET  /__stats                  {"submits": {K: n}, "created": {K: n},
 *     "polls": {id: n}, "fetches": {path: n} (of /inputs/ here),
 *     "downloads": {path: n} (input URLs a prediction fetched),
 *     "bodies": {K: body},
 *     "headers": {K: {name: value}}, "paths": {"METHOD /path": n},
 *     "max_running": the most predictions in flight at once,
 *     "unauthorized": n, "cancels": {id: n}}
 *   GET  /inputs/NAME[?X-Amz-...]  a small PNG, like a presigned S3 GET:
 *     403 AccessDenied when X-Amz-Signature is given and is not "good",
 *     403 "Request has expired" when X-Amz-Date + X-Amz-Expires lies in
 *     the past, 404 for names starting with "missing", and bytes that
 *     are not an image for names starting with "notimage".
 *   GET  /files/NAME               the outputs of finished predictions
 *
 * Everything else is the vendor's, in its server.js, and answers 404
 * when the vendor has no such path.
 */
const http = require('http');
const zlib = require('zlib');
const crypto = require('crypto');

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

/* ---- decoding what a vendor downloads ------------------------------ */

/*
 * Decode enough of an image to know it is one, as a vendor's pipeline
 * would before running a model: PNG (chunks, CRCs, the inflated pixel
 * rows), JPEG (markers up to a frame header and a scan, then EOI) or
 * WebP (RIFF container and a VP8/VP8L/VP8X header).  Returns
 * {format, w, h}; throws with a reason.
 */
function decodeImage(buf) {
	if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) {
		let off = 8, w = 0, h = 0, depth = 0, ctype = 0;
		const idat = [];
		let ended = false;
		while (off + 12 <= buf.length) {
			const len = buf.readUInt32BE(off);
			const type = buf.toString('ascii', off + 4, off + 8);
			if (off + 12 + len > buf.length)
				throw new Error('PNG chunk past the end');
			const crc = buf.readUInt32BE(off + 8 + len);
			if (crc32(buf.subarray(off + 4, off + 8 + len)) !== crc)
				throw new Error('PNG CRC mismatch in ' + type);
			const d = buf.subarray(off + 8, off + 8 + len);
			if (type === 'IHDR') {
				w = d.readUInt32BE(0);
				h = d.readUInt32BE(4);
				depth = d[8];
				ctype = d[9];
			} else if (type === 'IDAT')
				idat.push(d);
			else if (type === 'IEND') {
				ended = true;
				break;
			}
			off += 12 + len;
		}
		if (!ended || w === 0 || h === 0 || idat.length === 0)
			throw new Error('truncated PNG');
		const chans = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[ctype];
		if (chans === undefined || depth !== 8)
			throw new Error('unsupported PNG type');
		const raw = zlib.inflateSync(Buffer.concat(idat));
		if (raw.length !== h * (1 + w * chans))
			throw new Error('PNG pixel data of the wrong size');
		return { format: 'png', w, h };
	}
	if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
		let off = 2, w = 0, h = 0, scan = false;
		while (off + 4 <= buf.length && !scan) {
			if (buf[off] !== 0xff)
				throw new Error('JPEG marker expected');
			const m = buf[off + 1];
			const len = buf.readUInt16BE(off + 2);
			if ((m >= 0xc0 && m <= 0xc3) || (m >= 0xc5 && m <= 0xc7) ||
			    (m >= 0xc9 && m <= 0xcb) || (m >= 0xcd && m <= 0xcf)) {
				h = buf.readUInt16BE(off + 5);
				w = buf.readUInt16BE(off + 7);
			}
			if (m === 0xda)
				scan = true;
			off += 2 + len;
		}
		if (!scan || w === 0 || h === 0)
			throw new Error('JPEG without a frame or a scan');
		if (buf[buf.length - 2] !== 0xff || buf[buf.length - 1] !== 0xd9)
			throw new Error('truncated JPEG (no EOI)');
		return { format: 'jpeg', w, h };
	}
	if (buf.length >= 30 && buf.toString('ascii', 0, 4) === 'RIFF' &&
	    buf.toString('ascii', 8, 12) === 'WEBP') {
		const chunk = buf.toString('ascii', 12, 16);
		if (buf.readUInt32LE(4) + 8 > buf.length)
			throw new Error('truncated WebP');
		if (chunk === 'VP8 ')
			return { format: 'webp', w: buf.readUInt16LE(26) & 0x3fff,
			    h: buf.readUInt16LE(28) & 0x3fff };
		if (chunk === 'VP8L') {
			const b = buf.readUInt32LE(21);
			return { format: 'webp', w: (b & 0x3fff) + 1,
			    h: ((b >>> 14) & 0x3fff) + 1 };
		}
		if (chunk === 'VP8X')
			return { format: 'webp', w: buf.readUIntLE(24, 3) + 1,
			    h: buf.readUIntLE(27, 3) + 1 };
		throw new Error('unknown WebP chunk ' + chunk);
	}
	throw new Error('not a PNG, JPEG or WebP image');
}

/*
 * Download url as a vendor does (a plain GET, 20 s, 30 MB at most) and
 * decode it.  Resolves {type, buf, format, w, h}; rejects with an Error
 * whose message says what failed (the HTTP status and S3 code, or the
 * decoder's reason).
 */
async function fetchImage(url) {
	let r;
	try {
		r = await fetch(url, { signal: AbortSignal.timeout(20000) });
	} catch (e) {
		throw new Error('cannot download ' + url + ': ' + e.message);
	}
	const buf = Buffer.from(await r.arrayBuffer());
	if (r.status !== 200) {
		const code = /<Code>([^<]*)<\/Code>/.exec(buf.toString()) ||
		    [null, ''];
		throw new Error('HTTP ' + r.status + ' ' + code[1] +
		    ' downloading ' + url);
	}
	if (buf.length > 30 * 1024 * 1024)
		throw new Error('image over 30 MB');
	const info = decodeImage(buf);
	return Object.assign({ type: r.headers.get('content-type') || '',
	    buf }, info);
}

/* ---- HTTP ---------------------------------------------------------- */

function send(res, status, obj, headers) {
	const body = typeof obj === 'string' || Buffer.isBuffer(obj) ?
	    obj : JSON.stringify(obj);
	res.writeHead(status, Object.assign({
	    'Content-Type': 'application/json' }, headers || {}));
	res.end(body);
}

/* The request body as text (null past 2 MB), to cb. */
function readBody(req, cb) {
	const chunks = [];
	let len = 0;
	req.on('data', (c) => {
		len += c.length;
		if (len <= 2 * 1024 * 1024)
			chunks.push(c);
	});
	req.on('end', () => cb(len > 2 * 1024 * 1024 ? null :
	    Buffer.concat(chunks).toString('utf8')));
}

/* A JSON object from text, or null. */
function parseObject(text) {
	try {
		const o = JSON.parse(text);
		return o !== null && typeof o === 'object' &&
		    !Array.isArray(o) ? o : null;
	} catch (e) {
		return null;
	}
}

/* The path of a URL (the scripting key), or the string itself. */
function keyOf(u) {
	try {
		return new URL(u).pathname;
	} catch (e) {
		return String(u);
	}
}

/*
 * The command line every emulator takes:
 *   node server.js [PORT] [--key KEY] [--queue-ms N] [--run-ms N]
 *	[--concurrency N] [--credits N]
 * PORT 0 or none: a free port, printed as the first line of stdout.
 */
function parseArgs(argv, usage) {
	const o = { port: 0, key: 'test-key', queueMs: 50, runMs: 100,
	    concurrency: 0, credits: -1, webhookSecret: null };
	const num = { '--queue-ms': 'queueMs', '--run-ms': 'runMs',
	    '--concurrency': 'concurrency', '--credits': 'credits' };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--key' && i + 1 < argv.length)
			o.key = argv[++i];
		else if (argv[i] === '--webhook-secret' && i + 1 < argv.length)
			o.webhookSecret = argv[++i];
		else if (num[argv[i]] && i + 1 < argv.length &&
		    /^-?\d+$/.test(argv[i + 1]))
			o[num[argv[i]]] = parseInt(argv[++i], 10);
		else if (/^\d+$/.test(argv[i]))
			o.port = parseInt(argv[i], 10);
		else {
			process.stderr.write('usage: ' + usage + ' [PORT] ' +
			    '[--key KEY] [--queue-ms N] [--run-ms N] ' +
			    '[--concurrency N] [--credits N] ' +
			    '[--webhook-secret whsec_...]\n');
			process.exit(2);
		}
	}
	return o;
}

/*
 * The shared state and the test hooks.  vendor(req, res, url, emu) gets
 * every request the hooks do not take and must answer it.
 */
class Emulator {
	constructor(opts, vendor) {
		this.opts = opts;
		this.vendor = vendor;
		this.base = '';
		this.reset();
	}

	reset() {
		this.scripts = new Map();
		this.predictions = new Map();
		this.files = new Map();
		this.credits = this.opts.credits;
		this.stats = { submits: {}, created: {}, polls: {},
		    fetches: {}, downloads: {}, bodies: {}, headers: {}, paths: {},
		    unauthorized: 0, cancels: {}, hooks: {}, max_running: 0 };
	}

	bump(section, k) {
		this.stats[section][k] = (this.stats[section][k] || 0) + 1;
	}

	script(key) {
		return this.scripts.get(key) || {};
	}

	/* The next scripted value of a list switch, or null. */
	shift(key, field) {
		const s = this.scripts.get(key);
		if (s && Array.isArray(s[field]) && s[field].length > 0)
			return s[field].shift();
		return null;
	}

	/*
	 * Once prediction p's time is up (never for "hang"; at once when
	 * an input failed to load), fn() runs: a vendor's webhook call.
	 */
	whenDone(p, fn) {
		p.loaded.then(() => {
			if (p.outcome === 'hang' && p.loadError === null)
				return;
			const wait = p.loadError !== null ? 0 :
			    p.queueMs + p.runMs;
			setTimeout(fn, wait + 2);
		});
	}

	/*
	 * POST body (JSON) to a webhook URL with extra headers, retried on
	 * a non-2xx answer or a network error (5 retries, as FASHN
	 * documents; the waits here are short: 200 ms doubling).  Each
	 * delivery's answer is counted in stats.hooks ("URL path -> 204").
	 */
	deliver(url, body, headers, attempt) {
		const n = attempt || 0;
		const text = typeof body === 'string' ? body :
		    JSON.stringify(body);
		let u;
		try {
			u = new URL(url);
		} catch (err) {
			return this.bump('hooks', 'bad url');
		}
		const q = http.request(u, { method: 'POST', headers:
		    Object.assign({ 'Content-Type': 'application/json',
		    'Content-Length': Buffer.byteLength(text) },
		    headers || {}) }, (r) => {
			r.resume();
			this.bump('hooks', String(r.statusCode));
			if ((r.statusCode < 200 || r.statusCode > 299) && n < 5)
				setTimeout(() => this.deliver(url, body,
				    headers, n + 1), 200 << n);
		});
		q.on('error', () => {
			this.bump('hooks', 'error');
			if (n < 5)
				setTimeout(() => this.deliver(url, body,
				    headers, n + 1), 200 << n);
		});
		q.end(text);
	}

	/* Predictions not yet terminal (for a concurrency limit). */
	running() {
		let n = 0;
		for (const p of this.predictions.values())
			if (p.final === null)
				n++;
		return n;
	}

	/* Store an output file; its URL. */
	publish(name, type, buf) {
		this.files.set(name, { type, buf });
		return this.base + '/files/' + name;
	}

	/*
	 * A new prediction record: its inputs downloaded and decoded at
	 * once (after the script's fetch_delay_ms), its phases timed from
	 * now.  p.loaded resolves when the downloads end; p.loadError is
	 * then the first failure's message, or null.
	 */
	start(id, key, urls) {
		const s = this.script(key);
		const now = Date.now();
		const p = { id, key, created: now, polls: 0, final: null,
		    outcome: s.outcome || 'ok', images: [], loadError: null,
		    loadedAt: 0,
		    queueMs: s.queue_ms !== undefined ? s.queue_ms :
			this.opts.queueMs,
		    runMs: s.run_ms !== undefined ? s.run_ms : this.opts.runMs };
		const d = this.shift(key, 'fetch_delays');
		const delay = d !== null ? d : s.fetch_delay_ms || 0;
		p.loaded = new Promise((resolve) => setTimeout(resolve, delay))
		    .then(() => Promise.all(urls.map((u) => {
			this.bump('downloads', keyOf(u));
			return fetchImage(u);
		    }))).then((got) => {
			p.images = got;
		    }, (e) => {
			p.loadError = e.message;
		    }).then(() => {
			p.loadedAt = Date.now();
		    });
		this.predictions.set(id, p);
		this.bump('created', key);
		/* The most predictions ever in flight at once (slot tests). */
		this.stats.max_running = Math.max(this.stats.max_running,
		    this.running());
		return p;
	}

	/*
	 * Where a live prediction stands: 'loading' (inputs not yet
	 * downloaded), 'queue', 'run' or 'done' (its time is up), or
	 * 'hang' forever for the outcome "hang".
	 */
	phase(p) {
		if (p.loadedAt === 0)
			return 'loading';
		const t = Date.now() - p.loadedAt;
		if (t < p.queueMs)
			return 'queue';
		if (p.outcome === 'hang' || t < p.queueMs + p.runMs)
			return 'run';
		return 'done';
	}

	handleInput(res, u) {
		this.bump('fetches', u.pathname);
		const name = u.pathname.slice('/inputs/'.length);
		const sig = u.searchParams.get('X-Amz-Signature');
		const date = u.searchParams.get('X-Amz-Date');
		const exp = u.searchParams.get('X-Amz-Expires');
		const xml = { 'Content-Type': 'application/xml' };
		if (sig !== null && sig !== 'good')
			return send(res, 403, '<Error><Code>' +
			    'SignatureDoesNotMatch</Code></Error>', xml);
		if (date !== null && exp !== null) {
			const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/
			    .exec(date);
			const t = m === null ? NaN : Date.UTC(+m[1], m[2] - 1,
			    +m[3], +m[4], +m[5], +m[6]);
			if (isNaN(t) || t + 1000 * parseInt(exp, 10) <
			    Date.now())
				return send(res, 403, '<Error><Code>' +
				    'AccessDenied</Code><Message>Request has ' +
				    'expired</Message></Error>', xml);
		}
		if (name.startsWith('missing'))
			return send(res, 404, '<Error><Code>NoSuchKey</Code>' +
			    '</Error>', xml);
		if (name.startsWith('notimage'))
			return send(res, 200, 'hello', { 'Content-Type':
			    'image/png' });
		let seed = 0;
		for (const ch of name)
			seed = (seed * 31 + ch.charCodeAt(0)) & 0xff;
		send(res, 200, makePng(48, 64, seed),
		    { 'Content-Type': 'image/png' });
	}

	route(req, res) {
		let u;
		try {
			u = new URL(req.url, 'http://127.0.0.1');
		} catch (e) {
			return send(res, 400, { detail: 'bad request line' });
		}
		const path = u.pathname;
		if (!path.startsWith('/__') && !path.startsWith('/inputs/') &&
		    !path.startsWith('/files/'))
			this.bump('paths', req.method + ' ' + path.replace(
			    /[0-9a-f]{8}-[0-9a-f-]{27}[0-9a-z-]*|[a-z2-7]{26}/g, 'ID'));
		if (req.method === 'GET' && path === '/__stats')
			return send(res, 200, this.stats);
		if (req.method === 'POST' && path === '/__reset') {
			this.reset();
			return send(res, 200, { ok: true });
		}
		if (req.method === 'POST' && path === '/__script')
			return readBody(req, (text) => {
				const s = parseObject(text);
				if (s === null || typeof s.key !== 'string')
					return send(res, 400, { ok: false });
				this.scripts.set(s.key, s);
				send(res, 200, { ok: true });
			});
		if (req.method === 'GET' && path.startsWith('/inputs/'))
			return this.handleInput(res, u);
		if (req.method === 'GET' && path.startsWith('/files/')) {
			const f = this.files.get(path.slice('/files/'.length));
			if (f === undefined)
				return send(res, 404, '<Error><Code>NoSuchKey' +
				    '</Code></Error>');
			return send(res, 200, f.buf, { 'Content-Type': f.type });
		}
		this.vendor(req, res, u, this);
	}

	listen() {
		const server = http.createServer((q, r) => this.route(q, r));
		server.listen(this.opts.port, '127.0.0.1', () => {
			const p = server.address().port;
			this.base = 'http://127.0.0.1:' + p;
			process.stdout.write(p + '\n');
		});
		for (const sig of ['SIGTERM', 'SIGINT'])
			process.on(sig, () => {
				server.close();
				process.exit(0);
			});
	}
}

/* A fresh id of hex digits (with a vendor's suffix). */
function newId(suffix) {
	return crypto.randomBytes(16).toString('hex').replace(
	    /^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') +
	    (suffix || '');
}

module.exports = { makePng, makeMp4, decodeImage, fetchImage, send,
    readBody, parseObject, keyOf, parseArgs, Emulator, newId };
