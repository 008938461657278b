#!/usr/bin/env node
'use strict';
/*
 * A local emulator of the Telegram Bot API methods lib/telegram.c calls
 * for payments in Telegram Stars.  Node's standard library only.
 *
 *   node t/telegram_emulator.js [PORT] [--token TOKEN]
 *
 * Listens on 127.0.0.1:PORT (0 or none: a free port) and prints the port
 * as the first line of stdout.  TOKEN (default: $TELEGRAM_EMULATOR_TOKEN,
 * else "123456:TEST-token"; the environment keeps it out of ps) is the
 * bot token it expects in the path.
 *
 *   POST /bot<TOKEN>/createInvoiceLink      (JSON body)
 *     title 1-32 characters, description 1-255, payload 1-128 bytes,
 *     currency "XTR" (the only one here), prices a non-empty array of
 *     {label, amount: integer > 0}; for XTR exactly one price and no
 *     provider_token (or an empty one).  Answers
 *     {"ok":true,"result":"https://t.me/$<random base64url>"}.
 *   POST /bot<TOKEN>/answerPreCheckoutQuery (JSON body)
 *     pre_checkout_query_id a string, ok a boolean, error_message a
 *     non-empty string when ok is false.  Answers {"ok":true,"result":true}.
 *   POST /bot<TOKEN>/setWebhook (JSON body)
 *     url an https URL, secret_token 1-256 of A-Z a-z 0-9 _ - when given,
 *     allowed_updates an array of strings when given.  Answers
 *     {"ok":true,"result":true,"description":"Webhook was set"}.
 *   POST /bot<TOKEN>/refundStarPayment (JSON body)
 *     user_id a positive integer, telegram_payment_charge_id a non-empty
 *     string.  Answers {"ok":true,"result":true}; the same charge again
 *     is 400 "Bad Request: CHARGE_ALREADY_REFUNDED".
 *   POST /bot<TOKEN>/sendMessage, sendPhoto, sendVideo (JSON body)
 *     chat_id an integer (or @username); sendMessage: text 1-4096
 *     characters; sendPhoto / sendVideo: photo / video a string, either
 *     an http(s) URL (fetched here, as Telegram fetches it: an answer
 *     that is not 2xx, or over 5 MB (photo) / 20 MB (video) is 400
 *     "Bad Request: failed to get HTTP URL content"; only loopback
 *     hosts are fetched, others are taken as they are) or a file_id,
 *     caption 0-1024 characters; reply_markup, when given, an
 *     InlineKeyboardMarkup whose buttons have a text and exactly one of
 *     url, web_app {url: https}, callback_data.  Answers
 *     {"ok":true,"result": Message} shaped as the documentation's
 *     (message_id, from, chat, date, and text / photo [PhotoSize...] /
 *     video {Video}, caption, reply_markup).
 *   POST /bot<TOKEN>/savePreparedInlineMessage (JSON body)
 *     user_id a positive integer, result an InlineQueryResultPhoto
 *     (type "photo", id 1-64 bytes, photo_url, thumbnail_url) or
 *     InlineQueryResultVideo (type "video", id, video_url, mime_type
 *     "text/html" or "video/mp4", thumbnail_url, title), caption 0-1024,
 *     reply_markup as above but without web_app buttons (those work in
 *     the bot's private chat only: 400 "Bad Request: BUTTON_TYPE_INVALID");
 *     allow_*_chats booleans.  Answers {"ok":true,"result":
 *     {"id": ..., "expiration_date": now + 86400}} (PreparedInlineMessage).
 *   The examples these follow are in t/telegram_api_examples.md.
 * A bad field is 400 {"ok":false,"error_code":400,"description":
 * "Bad Request: ..."}; another token is 401 "Unauthorized"; another
 * method (or path) 404 "Not Found", all in Telegram's error shape.
 * Lengths in characters count code points.
 *
 * Test hooks:
 *   GET /__calls     every call to /bot.../... so far, in order:
 *                    [{"method", "body" (parsed, or the text when it is
 *                    not JSON), "raw" (the text), "token_ok"}]
 *   POST /__reset    forget calls, scripts, refunded charges and
 *                    prepared messages
 *   POST /__script   {"method": M, "status": 500 | 429 | ..., "times": N}
 *                    the next N (default 1) calls of M fail with that
 *                    status in Telegram's error shape (a 429 adds
 *                    "parameters":{"retry_after":1}; a 403 is
 *                    "Forbidden: bot was blocked by the user"; with
 *                    "description": TEXT that text instead); with "body": TEXT
 *                    the answer is TEXT as it is, with that status
 *                    (default 200);
 *                    {"method": M, "hang": true[, "times": N]} the next
 *                    N calls of M (default: all, until /__reset) are
 *                    never answered.
 * Scripts apply after the token check; calls are recorded before it.
 */
const http = require('http');
const crypto = require('crypto');

const args = process.argv.slice(2);
let port = 0;
let token = process.env.TELEGRAM_EMULATOR_TOKEN || '123456:TEST-token';
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--token' && i + 1 < args.length)
		token = args[++i];
	else if (/^\d+$/.test(args[i]))
		port = parseInt(args[i], 10);
	else {
		process.stderr.write('usage: telegram_emulator.js [PORT] ' +
		    '[--token TOKEN]\n');
		process.exit(2);
	}
}

const MAX_BODY = 1024 * 1024;
let calls = [];
let scripts = [];	/* {method, status, body, hang, times} */
let refunded = new Set();	/* charge ids refunded */
const hung = [];	/* responses never answered, closed on exit */

function send(res, status, obj) {
	const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
	res.writeHead(status, { 'Content-Type': 'application/json' });
	res.end(body);
}

function tgError(res, code, description, extra) {
	send(res, code, Object.assign({ ok: false, error_code: code,
	    description }, extra || {}));
}

function badRequest(res, what) {
	tgError(res, 400, 'Bad Request: ' + what);
}

function readBody(req, cb) {
	const chunks = [];
	let len = 0;
	req.on('data', (c) => {
		len += c.length;
		if (len <= MAX_BODY)
			chunks.push(c);
	});
	req.on('end', () => cb(len > MAX_BODY ? null :
	    Buffer.concat(chunks).toString('utf8')));
}

/* Characters as Telegram counts them here: code points. */
function chars(s) {
	return [...s].length;
}

function isText(v, min, max) {
	return typeof v === 'string' && chars(v) >= min && chars(v) <= max;
}

/* The first script for method, used up by one call; or null. */
function takeScript(method) {
	const i = scripts.findIndex((s) => s.method === method);
	if (i < 0)
		return null;
	const s = scripts[i];
	if (s.times !== undefined) {
		s.times--;
		if (s.times <= 0)
			scripts.splice(i, 1);
	}
	return s;
}

function createInvoiceLink(res, b) {
	if (!isText(b.title, 1, 32))
		return badRequest(res, 'title must be 1-32 characters');
	if (!isText(b.description, 1, 255))
		return badRequest(res, 'description must be 1-255 characters');
	if (typeof b.payload !== 'string' ||
	    Buffer.byteLength(b.payload, 'utf8') < 1 ||
	    Buffer.byteLength(b.payload, 'utf8') > 128)
		return badRequest(res, 'payload must be 1-128 bytes');
	if (b.currency !== 'XTR')
		return badRequest(res, 'CURRENCY_INVALID');
	if (!Array.isArray(b.prices) || b.prices.length === 0)
		return badRequest(res, 'prices must be a non-empty array');
	for (const p of b.prices) {
		if (p === null || typeof p !== 'object' || Array.isArray(p))
			return badRequest(res, 'a price must be an object');
		if (typeof p.label !== 'string' || p.label.length === 0)
			return badRequest(res, 'a price needs a label');
		if (!Number.isInteger(p.amount) || p.amount <= 0)
			return badRequest(res, 'CURRENCY_TOTAL_AMOUNT_INVALID');
	}
	if (b.prices.length !== 1)
		return badRequest(res, 'XTR invoices must have exactly one ' +
		    'price');
	if (b.provider_token !== undefined && b.provider_token !== '')
		return badRequest(res, 'XTR invoices take no provider_token');
	send(res, 200, { ok: true, result: 'https://t.me/$' +
	    crypto.randomBytes(24).toString('base64url') });
}

function answerPreCheckoutQuery(res, b) {
	if (typeof b.pre_checkout_query_id !== 'string' ||
	    b.pre_checkout_query_id.length === 0)
		return badRequest(res, 'pre_checkout_query_id is required');
	if (typeof b.ok !== 'boolean')
		return badRequest(res, 'ok must be a boolean');
	if (b.ok === false && (typeof b.error_message !== 'string' ||
	    b.error_message.length === 0))
		return badRequest(res, 'error_message is required when ok ' +
		    'is false');
	send(res, 200, { ok: true, result: true });
}

function setWebhook(res, b) {
	if (typeof b.url !== 'string' || !/^https:\/\/[^\s/]/.test(b.url))
		return badRequest(res, 'bad webhook: An HTTPS URL must be provided for webhook');
	if (b.secret_token !== undefined && (typeof b.secret_token !== 'string' ||
	    !/^[A-Za-z0-9_-]{1,256}$/.test(b.secret_token)))
		return badRequest(res, 'secret token contains unallowed characters');
	if (b.allowed_updates !== undefined && (!Array.isArray(b.allowed_updates) ||
	    !b.allowed_updates.every((u) => typeof u === 'string')))
		return badRequest(res, 'can\'t parse allowed updates');
	send(res, 200, { ok: true, result: true, description: 'Webhook was set' });
}

function refundStarPayment(res, b) {
	if (!Number.isInteger(b.user_id) || b.user_id <= 0)
		return badRequest(res, 'user_id must be a positive integer');
	if (typeof b.telegram_payment_charge_id !== 'string' ||
	    b.telegram_payment_charge_id.length === 0)
		return badRequest(res, 'telegram_payment_charge_id is required');
	if (refunded.has(b.telegram_payment_charge_id))
		return badRequest(res, 'CHARGE_ALREADY_REFUNDED');
	refunded.add(b.telegram_payment_charge_id);
	send(res, 200, { ok: true, result: true });
}

/* The bot, as getMe would describe it. */
const BOT = { id: parseInt(token.split(':')[0], 10) || 123456, is_bot: true,
    first_name: 'primerka', username: 'primerka_bot' };
let nextMessageId = 1;
let prepared = [];	/* prepared inline messages saved */

function isChatId(v) {
	return (Number.isInteger(v) && v !== 0) ||
	    (typeof v === 'string' && /^(-?\d+|@\w{5,32})$/.test(v));
}

/*
 * The reason reply_markup is not an InlineKeyboardMarkup Telegram
 * accepts, or null.  webApp: whether web_app buttons are allowed.
 */
function markupError(m, webApp) {
	if (m === null || typeof m !== 'object' ||
	    !Array.isArray(m.inline_keyboard))
		return 'can\'t parse reply keyboard markup JSON object';
	for (const row of m.inline_keyboard) {
		if (!Array.isArray(row))
			return 'field "inline_keyboard" of the ' +
			    'InlineKeyboardMarkup should be an Array of Arrays';
		for (const b of row) {
			if (b === null || typeof b !== 'object' ||
			    typeof b.text !== 'string' || b.text.length === 0)
				return 'can\'t parse inline keyboard button: ' +
				    'Text buttons are unallowed in the inline ' +
				    'keyboard';
			const kinds = ['url', 'web_app', 'callback_data'].filter(
			    (k) => b[k] !== undefined);
			if (kinds.length !== 1)
				return 'can\'t parse inline keyboard button: ' +
				    'exactly one optional field must be used';
			if (b.url !== undefined && (typeof b.url !== 'string' ||
			    !/^(https?|tg):\/\/\S+$/.test(b.url)))
				return 'BUTTON_URL_INVALID';
			if (b.web_app !== undefined) {
				if (!webApp)
					return 'BUTTON_TYPE_INVALID';
				if (b.web_app === null || typeof b.web_app.url !==
				    'string' || !/^https:\/\/\S+$/.test(b.web_app.url))
					return 'BUTTON_URL_INVALID';
			}
		}
	}
	return null;
}

/* Fetch url as Telegram would (loopback hosts only); cb(error or null). */
function fetchMedia(url, max, cb) {
	let u;
	try {
		u = new URL(url);
	} catch (e) {
		return cb('wrong file identifier/HTTP URL specified');
	}
	if (!/^https?:$/.test(u.protocol))
		return cb('wrong file identifier/HTTP URL specified');
	if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(u.hostname))
		return cb(null);	/* not ours to reach: taken as it is */
	const req = http.get(url, (r) => {
		let len = 0;
		r.on('data', (c) => {
			len += c.length;
			if (len > max)
				req.destroy();
		});
		r.on('end', () => cb(r.statusCode >= 200 && r.statusCode < 300 &&
		    len > 0 && len <= max ? null :
		    'failed to get HTTP URL content'));
		r.on('error', () => cb('failed to get HTTP URL content'));
	});
	req.on('error', () => cb('failed to get HTTP URL content'));
	req.setTimeout(5000, () => req.destroy());
}

/* The Message a send* method answers with. */
function message(b, extra) {
	const m = { message_id: nextMessageId++, from: BOT,
	    chat: { id: typeof b.chat_id === 'number' ? b.chat_id : 1,
	    first_name: 'User', type: 'private' },
	    date: Math.floor(Date.now() / 1000) };
	Object.assign(m, extra);
	if (typeof b.caption === 'string' && b.caption.length > 0)
		m.caption = b.caption;
	if (b.reply_markup !== undefined)
		m.reply_markup = b.reply_markup;
	return m;
}

/* Checks shared by the send* methods; the reason, or null. */
function sendError(b) {
	if (!isChatId(b.chat_id))
		return 'chat_id is empty';
	if (b.caption !== undefined && (typeof b.caption !== 'string' ||
	    chars(b.caption) > 1024))
		return 'message caption is too long';
	if (b.reply_markup !== undefined)
		return markupError(b.reply_markup, true);
	return null;
}

function sendMessage(res, b) {
	const e = sendError(b);
	if (e !== null)
		return badRequest(res, e);
	if (typeof b.text !== 'string' || b.text.trim().length === 0)
		return badRequest(res, 'message text is empty');
	if (chars(b.text) > 4096)
		return badRequest(res, 'message is too long');
	send(res, 200, { ok: true, result: message(b, { text: b.text }) });
}

function fileId() {
	return 'AgAC' + crypto.randomBytes(12).toString('base64url');
}

function sendMedia(res, b, field, max) {
	const e = sendError(b);
	if (e !== null)
		return badRequest(res, e);
	const v = b[field];
	if (typeof v !== 'string' || v.length === 0)
		return badRequest(res, 'there is no ' + field + ' in the request');
	const done = (err) => {
		if (err !== null)
			return badRequest(res, err);
		const fid = fileId();
		const extra = field === 'photo' ?
		    { photo: [{ file_id: fid, file_unique_id: fid.slice(0, 12),
		    width: 320, height: 427, file_size: 20000 }] } :
		    { video: { file_id: fid, file_unique_id: fid.slice(0, 12),
		    width: 720, height: 960, duration: 4,
		    mime_type: 'video/mp4', file_size: 400000 } };
		send(res, 200, { ok: true, result: message(b, extra) });
	};
	if (/^https?:\/\//i.test(v))
		return fetchMedia(v, max, done);
	if (!/^[A-Za-z0-9_-]{10,}$/.test(v))
		return done('wrong file identifier/HTTP URL specified');
	done(null);
}

function sendPhoto(res, b) {
	sendMedia(res, b, 'photo', 5 * 1024 * 1024);
}

function sendVideo(res, b) {
	sendMedia(res, b, 'video', 20 * 1024 * 1024);
}

function savePreparedInlineMessage(res, b) {
	if (!Number.isInteger(b.user_id) || b.user_id <= 0)
		return badRequest(res, 'user_id must be a positive integer');
	const r = b.result;
	if (r === null || typeof r !== 'object' || Array.isArray(r))
		return badRequest(res, 'can\'t parse inline query result');
	if (typeof r.id !== 'string' || Buffer.byteLength(r.id) < 1 ||
	    Buffer.byteLength(r.id) > 64)
		return badRequest(res, 'RESULT_ID_INVALID');
	const http_ = (v) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);
	if (r.type === 'photo') {
		if (!http_(r.photo_url))
			return badRequest(res, 'PHOTO_INVALID');
	} else if (r.type === 'video') {
		if (!http_(r.video_url))
			return badRequest(res, 'VIDEO_URL_INVALID');
		if (r.mime_type !== 'video/mp4' && r.mime_type !== 'text/html')
			return badRequest(res, 'MIME_TYPE_INVALID');
		if (typeof r.title !== 'string' || r.title.length === 0)
			return badRequest(res, 'RESULT_TITLE_EMPTY');
	} else
		return badRequest(res, 'RESULT_TYPE_INVALID');
	if (!http_(r.thumbnail_url))
		return badRequest(res, 'THUMBNAIL_URL_INVALID');
	if (r.caption !== undefined && (typeof r.caption !== 'string' ||
	    chars(r.caption) > 1024))
		return badRequest(res, 'message caption is too long');
	if (r.reply_markup !== undefined) {
		const e = markupError(r.reply_markup, false);
		if (e !== null)
			return badRequest(res, e);
	}
	for (const k of ['allow_user_chats', 'allow_bot_chats',
	    'allow_group_chats', 'allow_channel_chats'])
		if (b[k] !== undefined && typeof b[k] !== 'boolean')
			return badRequest(res, k + ' must be a boolean');
	const pm = { id: crypto.randomBytes(12).toString('hex'),
	    expiration_date: Math.floor(Date.now() / 1000) + 86400 };
	prepared.push(Object.assign({ user_id: b.user_id, result: r }, pm));
	send(res, 200, { ok: true, result: pm });
}

const methods = { createInvoiceLink, answerPreCheckoutQuery, setWebhook,
    refundStarPayment, sendMessage, sendPhoto, sendVideo,
    savePreparedInlineMessage };

function handleBot(req, res, tok, method) {
	readBody(req, (text) => {
		if (text === null)
			return tgError(res, 413, 'Request Entity Too Large');
		let body = text;
		try {
			body = JSON.parse(text);
		} catch (e) {
			/* Recorded as the text. */
		}
		const tokenOk = tok === token;
		calls.push({ method, body, raw: text, token_ok: tokenOk });
		if (!tokenOk)
			return tgError(res, 401, 'Unauthorized');
		if (req.method !== 'POST' ||
		    !Object.prototype.hasOwnProperty.call(methods, method))
			return tgError(res, 404, 'Not Found');
		const s = takeScript(method);
		if (s !== null && s.hang) {
			hung.push(res);
			return;
		}
		if (s !== null && typeof s.body === 'string')
			return send(res, s.status || 200, s.body);
		if (s !== null && s.status === 429)
			return tgError(res, 429, 'Too Many Requests: retry ' +
			    'after 1', { parameters: { retry_after: 1 } });
		if (s !== null && s.description)
			return tgError(res, s.status || 400, s.description);
		if (s !== null && s.status >= 500)
			return tgError(res, s.status, 'Internal Server Error');
		if (s !== null && s.status === 403)
			return tgError(res, 403,
			    'Forbidden: bot was blocked by the user');
		if (s !== null && s.status)
			return tgError(res, s.status, 'Bad Request: scripted');
		if (!/^application\/json\b/i.test(
		    req.headers['content-type'] || ''))
			return badRequest(res, 'expected application/json');
		if (body === null || typeof body !== 'object' ||
		    Array.isArray(body))
			return badRequest(res, 'the body is not a JSON object');
		methods[method](res, body);
	});
}

function handleScript(req, res) {
	readBody(req, (text) => {
		let s;
		try {
			s = JSON.parse(text);
		} catch (e) {
			return send(res, 400, { ok: false });
		}
		if (!s || typeof s.method !== 'string' ||
		    !(s.hang === true || Number.isInteger(s.status) ||
		    typeof s.body === 'string'))
			return send(res, 400, { ok: false });
		const sc = { method: s.method, status: s.status,
		    body: s.body, hang: s.hang === true,
		    description: typeof s.description === 'string' ?
		    s.description : undefined };
		if (Number.isInteger(s.times) && s.times > 0)
			sc.times = s.times;
		else if (!sc.hang)
			sc.times = 1;
		scripts.push(sc);
		send(res, 200, { ok: true });
	});
}

const server = http.createServer((req, res) => {
	let u;
	try {
		u = new URL(req.url, 'http://127.0.0.1');
	} catch (e) {
		return tgError(res, 404, 'Not Found');
	}
	const path = u.pathname;
	if (req.method === 'GET' && path === '/__calls')
		return send(res, 200, calls);
	if (req.method === 'POST' && path === '/__reset') {
		calls = [];
		scripts = [];
		refunded = new Set();
		prepared = [];
		return send(res, 200, { ok: true });
	}
	if (req.method === 'POST' && path === '/__script')
		return handleScript(req, res);
	const m = /^\/bot([^/]*)\/([^/]*)$/.exec(path);
	if (m !== null) {
		let tok;
		try {
			tok = decodeURIComponent(m[1]);
		} catch (e) {
			tok = m[1];
		}
		return handleBot(req, res, tok, m[2]);
	}
	tgError(res, 404, 'Not Found');
});

server.listen(port, '127.0.0.1', () => {
	process.stdout.write(server.address().port + '\n');
});

for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		for (const r of hung)
			r.destroy();
		server.close();
		process.exit(0);
	});
