#!/usr/bin/env node
/*
 * End-to-end tests of the Mini App (web/) in Debian's chromium, driven by
 * playwright-core, against a running dev stack (nginx, primerka.fcgi,
 * PostgreSQL, s3rver, the worker).  Run by t/test_browser.sh, which
 * provides:
 *
 *   PRIMERKA_URL        the stack's public URL (http://127.0.0.1:PORT/)
 *   E2E_INITDATA_RU     initData for the test user, language ru
 *   E2E_INITDATA_EN     the same user, language en
 *   E2E_OUT             where screenshots go (t/out)
 *   E2E_DATA            the fixtures (t/data)
 *   E2E_USER_ID         the test user's Telegram id
 *   E2E_TG_SECRET       the bot's webhook secret (to report a payment)
 *
 * Nothing leaves the machine: every request to a host other than the
 * loopback is aborted (so telegram-web-app.js never loads and the app
 * runs on its own shim, as in a plain browser).  Prints one line per
 * check and a last line "N passed, M failed"; exits non-zero on failure.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
let chromium;
try {
	({ chromium } = require(path.join(ROOT, 'node_modules', 'playwright-core')));
} catch (e) {
	console.log('  FAIL playwright-core is not installed (npm install): ' + e.message);
	console.log('0 passed, 1 failed');
	process.exit(1);
}

const BASE = (process.env.PRIMERKA_URL || 'http://127.0.0.1:8080/').replace(/\/?$/, '/');
const API = BASE + 'api/v1/';
const INIT_RU = process.env.E2E_INITDATA_RU || '';
const INIT_EN = process.env.E2E_INITDATA_EN || INIT_RU;
const OUT = process.env.E2E_OUT || path.join(ROOT, 't', 'out');
const DATA = process.env.E2E_DATA || path.join(ROOT, 't', 'data');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const JOB_TIMEOUT = Number(process.env.E2E_JOB_TIMEOUT || 60000);
const ANIM_TIMEOUT = Number(process.env.E2E_ANIM_TIMEOUT || 120000);
const VIEW = { width: 390, height: 844 };
const USER_ID = Number(process.env.E2E_USER_ID || 0);
const TG_SECRET = process.env.E2E_TG_SECRET || '';

const DARK_THEME = {
	bg_color: '#212d3b', secondary_bg_color: '#151e27', section_bg_color: '#1d2733',
	text_color: '#ffffff', hint_color: '#7d8b99', link_color: '#5eabe1',
	button_color: '#50a8eb', button_text_color: '#ffffff', accent_text_color: '#64b5ef',
	subtitle_text_color: '#7e8b98', destructive_text_color: '#ee686f',
	header_bg_color: '#242d39', bottom_bar_bg_color: '#151e27',
	section_separator_color: '#0d1218', section_header_text_color: '#79c4fc',
};
const LIGHT_THEME = {
	bg_color: '#ffffff', secondary_bg_color: '#efeff4', section_bg_color: '#ffffff',
	text_color: '#000000', hint_color: '#8e8e93', link_color: '#007aff',
	button_color: '#007aff', button_text_color: '#ffffff', accent_text_color: '#007aff',
	subtitle_text_color: '#8e8e93', destructive_text_color: '#ff3b30',
	header_bg_color: '#f8f8f8', bottom_bar_bg_color: '#f2f2f2',
	section_separator_color: '#c8c7cc', section_header_text_color: '#6d6d72',
};

let passed = 0;
let failed = 0;
const screenshots = [];

function ok(name) {
	passed++;
	console.log('  ok   ' + name);
}

function bad(name, why) {
	failed++;
	console.log('  FAIL ' + name + (why ? ': ' + why : ''));
}

class Check extends Error {}

function assert(cond, msg) {
	if (!cond)
		throw new Check(msg || 'assertion failed');
}

async function check(name, fn) {
	try {
		await fn();
		ok(name);
		return true;
	} catch (e) {
		bad(name, e instanceof Check ? e.message : (e && e.message ? e.message.split('\n')[0] : String(e)));
		return false;
	}
}

/* The API as the test user, straight from node (to verify what the app did). */
/* An update to the bot's webhook, as Telegram sends it. */
async function webhook(update) {
	const r = await fetch(API + 'telegram/webhook', { method: 'POST',
	    headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': TG_SECRET },
	    body: JSON.stringify(update) });
	return r.status;
}

async function apiGet(p, initData = INIT_EN) {
	const r = await fetch(API + p, { headers: { Authorization: 'tma ' + initData } });
	const text = await r.text();
	let data = null;
	try { data = JSON.parse(text); } catch (e) { /* not JSON */ }
	return { status: r.status, data };
}

function appUrl(initData, extra = {}) {
	const parts = ['tgWebAppData=' + encodeURIComponent(initData), 'tgWebAppVersion=7.0',
	    'tgWebAppPlatform=unknown'];
	if (extra.theme)
		parts.push('tgWebAppThemeParams=' + encodeURIComponent(JSON.stringify(extra.theme)));
	return BASE + '#' + parts.join('&');
}

function isLoopback(u) {
	try {
		const h = new URL(u).hostname;
		return h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
	} catch (e) {
		return false;
	}
}

/* A fresh context: loopback only, requests and errors recorded. */
async function newPage(browser, opts = {}) {
	const ctx = await browser.newContext({
		viewport: opts.viewport || VIEW,
		acceptDownloads: true,
		permissions: ['clipboard-read', 'clipboard-write'],
		deviceScaleFactor: 1,
		colorScheme: opts.colorScheme || 'light',
		locale: opts.locale || 'ru-RU',
		hasTouch: true,
		isMobile: false,
	});
	const blocked = [];
	await ctx.route('**/*', (route) => {
		const u = route.request().url();
		if (isLoopback(u))
			return route.continue();
		blocked.push(u);
		return route.abort('blockedbyclient');
	});
	if (opts.init)
		await ctx.addInitScript(opts.init.fn, opts.init.arg);
	const page = await ctx.newPage();
	const log = { requests: [], errors: [], blocked };
	page.on('request', (r) => {
		if (r.url().includes('/api/v1/'))
			log.requests.push({ t: Date.now(), method: r.method(), url: r.url(), headers: r.headers(),
			    body: r.postData(), req: r });
	});
	page.on('pageerror', (e) => log.errors.push(e.message));
	return { ctx, page, log };
}

async function shot(page, name) {
	const file = path.join(OUT, name + '.png');
	await page.screenshot({ path: file });
	screenshots.push(file);
	return file;
}

/* Width and height of a PNG from its IHDR. */
function pngSize(file) {
	const b = fs.readFileSync(file);
	if (b.length < 24 || b.toString('latin1', 1, 4) !== 'PNG')
		return null;
	return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
}

const tid = (id) => `[data-testid="${id}"]`;

async function mainText(page) {
	return (await page.textContent('#mainbtn-text')) || '';
}

async function waitMainEnabled(page, timeout = 15000) {
	await page.waitForSelector('#mainbar:not([hidden]) #mainbtn[data-enabled="1"]', { timeout });
}

/* A small JPEG made by the browser itself (for the too-small photo). */
async function makeJpeg(page, w, h) {
	const b64 = await page.evaluate(([w, h]) => {
		const c = document.createElement('canvas');
		c.width = w;
		c.height = h;
		const g = c.getContext('2d');
		const grad = g.createLinearGradient(0, 0, w, h);
		grad.addColorStop(0, '#c33');
		grad.addColorStop(1, '#36c');
		g.fillStyle = grad;
		g.fillRect(0, 0, w, h);
		g.fillStyle = '#fff';
		g.fillRect(w / 4, h / 4, w / 2, h / 2);
		return c.toDataURL('image/jpeg', 0.9).split(',')[1];
	}, [w, h]);
	return Buffer.from(b64, 'base64');
}

/* The JSON body of the POST /photos answer that follows upload(). */
async function uploadVia(page, selector, files) {
	const resp = page.waitForResponse((r) => r.url().endsWith('/api/v1/photos') && r.request().method() === 'POST',
	    { timeout: 30000 });
	await page.setInputFiles(selector, files);
	const r = await resp;
	let data = null;
	try { data = await r.json(); } catch (e) { /* empty */ }
	return { status: r.status(), data, request: r.request() };
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	for (const f of fs.readdirSync(OUT))
		if (f.endsWith('.png'))
			fs.unlinkSync(path.join(OUT, f));
	if (!INIT_RU) {
		bad('setup', 'E2E_INITDATA_RU is not set (run t/test_browser.sh)');
		return;
	}
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
		    '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
	});
	try {
		await run(browser);
	} finally {
		await browser.close();
	}
}

async function run(browser) {
	const me0 = (await apiGet('me', INIT_RU)).data;
	const prices = (me0 && me0.prices) || { tryon: 10, animation: 30 };
	const outfits = ((await apiGet('outfits')).data || {}).items || [];
	const locations = ((await apiGet('locations')).data || {}).items || [];
	const pageErrors = [];

	/* ------------------------------------------------------------ */
	console.log('app in a plain browser (shim), Russian, light theme');
	const A = await newPage(browser, { locale: 'ru-RU' });
	const { page } = A;

	await check('opens, calls ready() and expand(), shows the home screen', async () => {
		await page.goto(appUrl(INIT_RU, { theme: LIGHT_THEME }));
		await page.waitForSelector(tid('screen-home'), { timeout: 15000 });
		const calls = await page.evaluate(() => (window.__tgShim || {}).calls || []);
		assert(calls.includes('ready'), 'ready() not called: ' + calls);
		assert(calls.includes('expand'), 'expand() not called');
	});
	await check('speaks Russian (title, greeting, main button)', async () => {
		assert((await page.textContent('#title')) === 'Примерочная', 'title is ' + await page.textContent('#title'));
		assert(/Привет/.test(await page.textContent('.hero-title')), 'no Russian greeting');
		assert((await page.getAttribute('html', 'lang')) === 'ru', 'html lang is not ru');
	});
	await check('follows the Telegram theme (--tg-theme-* from the launch parameters)', async () => {
		await page.waitForSelector('.step-num.step-done');
		const v = await page.evaluate(() => ({
			button: getComputedStyle(document.querySelector('.step-num.step-done')).backgroundColor,
			body: getComputedStyle(document.body).backgroundColor,
			scheme: document.documentElement.dataset.scheme,
		}));
		assert(v.button === 'rgb(0, 122, 255)', 'button colour ' + v.button);
		assert(v.body === 'rgb(239, 239, 244)', 'page background ' + v.body);
		assert(v.scheme === 'light', 'scheme ' + v.scheme);
	});
	await check('shows the balance from GET /me and the in-page main button', async () => {
		await page.waitForSelector(tid('balance') + ':not([hidden])', { timeout: 10000 });
		const shown = Number(await page.getAttribute(tid('balance'), 'data-available'));
		const me = (await apiGet('me', INIT_RU)).data;
		assert(shown === me.available, `balance shows ${shown}, API says ${me.available}`);
		assert(await page.isVisible('#mainbtn'), 'no main button');
	});
	await shot(page, '01-home-empty');

	let photoId = null;
	await check('a large photo is downscaled in the browser before upload, then deleted', async () => {
		const up = await uploadVia(page, tid('file-gallery'), path.join(DATA, 'scene_interior_living_room.jpg'));
		assert(up.status === 201, 'upload answered ' + up.status);
		assert(up.request.headers()['content-type'] === 'image/jpeg', 'content type ' + up.request.headers()['content-type']);
		const body = up.request.postDataBuffer();
		assert(body && body.subarray(0, 3).toString('hex') === 'ffd8ff', 'the upload is not a JPEG');
		assert(Math.max(up.data.width, up.data.height) === 1600, `stored ${up.data.width}x${up.data.height}, want longer side 1600`);
		assert(Math.abs(up.data.width - 2560 * 1600 / 3837) < 1.5, 'aspect ratio changed: ' + up.data.width);
		const id = up.data.id;
		await page.waitForSelector(`[data-photo-id="${id}"].selected`, { timeout: 10000 });
		await page.click(tid('photo-delete'));
		await page.click(tid('confirm-ok'));
		await page.waitForSelector(`[data-photo-id="${id}"]`, { state: 'detached', timeout: 10000 });
		const r = await apiGet('photos/' + id, INIT_RU);
		assert(r.status === 404, 'deleted photo still answers ' + r.status);
	});

	await check('upload a photo: it is listed, selected, with its quality verdict', async () => {
		const up = await uploadVia(page, tid('file-gallery'), path.join(DATA, 'people_interior_pool_hall.jpg'));
		assert(up.status === 201, 'upload answered ' + up.status + ' ' + JSON.stringify(up.data));
		photoId = up.data.id;
		await page.waitForSelector(`[data-photo-id="${photoId}"].selected img`, { timeout: 10000 });
		const v = await page.getAttribute(tid('photo-verdict'), 'data-verdict');
		assert(['pending', 'accepted'].includes(v), 'verdict ' + v);
		const list = (await apiGet('photos', INIT_RU)).data.items.map((p) => p.id);
		assert(list.includes(photoId), 'photo not in GET /photos');
	});

	let outfitId = outfits.length ? outfits[0].id : null;
	await check('outfits show image, shop and price; a view event is sent', async () => {
		assert(outfitId, 'the catalogue has no outfit (scripts/demo-data)');
		const card = `[data-testid="outfit-card"][data-outfit-id="${outfitId}"]`;
		await page.waitForSelector(card + ' .img-loaded', { timeout: 10000 });
		const text = await page.textContent(card);
		assert(text.includes(outfits[0].title), 'no title');
		assert(text.includes(outfits[0].shop_name), 'no shop name');
		assert(/₽|RUB|\d/.test(await page.textContent(card + ' .outfit-price')), 'no price');
		const deadline = Date.now() + 5000;
		let sent = null;
		while (!sent && Date.now() < deadline) {
			sent = A.log.requests.find((r) => r.url.endsWith('/api/v1/events') && r.method === 'POST' &&
			    (JSON.parse(r.body || '{}').events || []).some((e) => e.kind === 'view' && e.outfit_id === outfitId));
			if (!sent)
				await page.waitForTimeout(200);
		}
		assert(sent, 'no POST /events with a view of outfit ' + outfitId);
	});

	await check('outfit details: the buy link records a click event', async () => {
		await page.click(`[data-outfit-id="${outfitId}"] ${tid('outfit-info')}`);
		await page.waitForSelector(tid('screen-outfit') + ' ' + tid('buy-link'), { timeout: 10000 });
		assert(await page.isVisible(tid('back')), 'no back button');
		await page.waitForTimeout(300);
		await shot(page, '02-outfit');
		const n0 = A.log.requests.length;
		const popup = page.context().waitForEvent('page', { timeout: 5000 }).catch(() => null);
		await page.click(tid('buy-link'));
		const deadline = Date.now() + 5000;
		let sent = null;
		while (!sent && Date.now() < deadline) {
			sent = A.log.requests.slice(n0).find((r) => r.url.endsWith('/api/v1/events') &&
			    (JSON.parse(r.body || '{}').events || []).some((e) => e.kind === 'click' && e.outfit_id === outfitId));
			if (!sent)
				await page.waitForTimeout(100);
		}
		assert(sent, 'no click event');
		const p = await popup;
		if (p)
			await p.close();
		assert(/Примерить этот образ/.test(await mainText(page)), 'main button: ' + await mainText(page));
		await page.click('#mainbtn');
		await page.waitForSelector(tid('screen-home'), { timeout: 5000 });
	});

	const locationId = locations.length ? locations[0].id : null;
	await check('choose a location', async () => {
		assert(locationId, 'no location in the catalogue');
		await page.click(`[data-testid="location-card"][data-location-id="${locationId}"]`);
		await page.waitForSelector(`[data-testid="location-card"][data-location-id="${locationId}"].selected`);
	});

	await check('the price and the balance are shown before the try-on', async () => {
		await waitMainEnabled(page);
		const mt = await mainText(page);
		assert(mt.includes(String(prices.tryon)), 'main button does not show the price: ' + mt);
		const line = await page.textContent(tid('cost-line'));
		assert(line.includes(String(prices.tryon)), 'cost line: ' + line);
		await shot(page, '03-home-ready');
	});

	/* ---- the try-on ---- */
	const meBefore = (await apiGet('me', INIT_RU)).data;
	const listBefore = (await apiGet('tryons', INIT_RU)).data.items.length;
	let job = null;
	let tryonShown = false;
	await check('a double tap on the main button starts exactly one try-on', async () => {
		const n0 = A.log.requests.length;
		await page.dblclick('#mainbtn');
		await page.click('#mainbtn', { timeout: 500, force: true }).catch(() => {});
		await page.waitForSelector(tid('screen-tryon'), { timeout: 15000 });
		const posts = A.log.requests.slice(n0).filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/tryons'));
		assert(posts.length === 1, posts.length + ' POST /tryons sent');
		assert(posts[0].headers['idempotency-key'], 'no Idempotency-Key');
		const body = JSON.parse(posts[0].body);
		assert(body.user_photo_id === photoId && body.outfit_id === outfitId && body.location_id === locationId,
		    'POST body ' + posts[0].body);
		const resp = await posts[0].req.response();
		job = await resp.json();
		assert(resp.status() === 202, 'POST /tryons answered ' + resp.status());
		const listAfter = (await apiGet('tryons', INIT_RU)).data.items.length;
		assert(listAfter === listBefore + 1, `${listAfter - listBefore} jobs created`);
		tryonShown = true;
	});

	await check('progress: the status text and a progress indicator', async () => {
		assert(tryonShown, 'no try-on screen');
		const el = await page.waitForSelector(`${tid('tryon-progress')}, ${tid('tryon-result')}, ${tid('tryon-failed')}`, { timeout: 10000 });
		if ((await el.getAttribute('data-testid')) === 'tryon-progress') {
			const st = await page.textContent(tid('status-text'));
			assert(st && st.trim().length > 0, 'empty status text');
			assert(await page.isVisible(tid('progress')), 'no progress bar');
			await shot(page, '04-progress');
		} else {
			/* Finished before we looked: the first status text was still shown (checked via the DOM log below). */
			await shot(page, '04-progress');
		}
	});

	let result = null;
	await check('the try-on completes and the result is shown', async () => {
		assert(job, 'no job');
		await page.waitForSelector(`${tid('tryon-result')}, ${tid('tryon-failed')}`, { timeout: JOB_TIMEOUT });
		const failedBox = await page.$(tid('tryon-failed'));
		if (failedBox)
			throw new Check('try-on FAILED: ' + (await failedBox.getAttribute('data-code')) + ' ' + (await failedBox.innerText()).replace(/\s+/g, ' '));
		await page.waitForFunction(() => {
			const im = document.querySelector('[data-testid="result-image"]');
			return im && im.complete && im.naturalWidth > 0;
		}, null, { timeout: 15000 });
		result = (await apiGet('tryons/' + job.id, INIT_RU)).data;
		assert(result.status === 'COMPLETED', 'API says ' + result.status);
		const calls = await page.evaluate(() => window.__tgShim.calls);
		assert(calls.includes('notification:success'), 'no success haptic: ' + calls.join(','));
		await page.waitForTimeout(400);
		await shot(page, '05-result');
	});

	await check('polling follows poll_after_ms: >= 1 s apart after the first, <= 8 s, stops at the end', async () => {
		assert(job, 'no job');
		const re = new RegExp('/api/v1/tryons/' + job.id + '$');
		const polls = A.log.requests.filter((r) => r.method === 'GET' && re.test(r.url));
		const post = A.log.requests.find((r) => r.method === 'POST' && r.url.endsWith('/api/v1/tryons'));
		assert(polls.length >= 1, 'no polls');
		let prev = post.t;
		polls.forEach((p, i) => {
			const gap = p.t - prev;
			/* the first may come sooner (the estimate of the 202) */
			const min = i === 0 ? 150 : 950;
			assert(gap >= min && gap <= 8000 + 1500, `poll ${i + 1} after ${gap} ms, want ${min}..8000`);
			prev = p.t;
		});
		const seenIfNoneMatch = polls.slice(1).every((p) => p.headers['if-none-match']);
		assert(polls.length < 2 || seenIfNoneMatch, 'later polls lack If-None-Match');
		const n = polls.length;
		await page.waitForTimeout(2500);
		const after = A.log.requests.filter((r) => r.method === 'GET' && re.test(r.url)).length;
		assert(after === n, 'still polling after COMPLETED');
	});

	await check('the result can be saved and shared', async () => {
		assert(result, 'no result');
		const dl = page.waitForEvent('download', { timeout: 10000 });
		await page.click(tid('result-save'));
		const d = await dl;
		assert(/\.jpg$/.test(d.suggestedFilename()), 'file name ' + d.suggestedFilename());
		const f = await d.path();
		const head = fs.readFileSync(f).subarray(0, 3).toString('hex');
		assert(head === 'ffd8ff' && fs.statSync(f).size > 10000, 'saved file is not the JPEG result');
		await page.waitForSelector('#toast.toast-on', { timeout: 5000 });
		await page.waitForSelector('#toast', { state: 'hidden', timeout: 8000 });
		await page.click(tid('result-share'));
		await page.waitForSelector('#toast.toast-on', { timeout: 5000 });
		assert(!(await page.getAttribute('#toast', 'class')).includes('toast-error'),
		    'share failed: ' + await page.textContent('#toast'));
		const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => ''));
		assert(clip === result.result.url || clip === '', 'clipboard holds ' + clip.slice(0, 60));
	});

	await check('the balance went down once, by the try-on price', async () => {
		assert(result, 'no result');
		const me = (await apiGet('me', INIT_RU)).data;
		assert(me.balance === meBefore.balance - prices.tryon,
		    `balance ${meBefore.balance} -> ${me.balance}, price ${prices.tryon}`);
		assert(me.reserved === 0, 'still reserved: ' + me.reserved);
		await page.waitForFunction((v) => document.querySelector('[data-testid="balance"]').dataset.available === String(v),
		    me.available, { timeout: 5000 });
	});

	/* ---- the animation ---- */
	let anim = null;
	await check('"Animate" shows its price and starts one animation', async () => {
		assert(result, 'no result');
		await waitMainEnabled(page);
		const mt = await mainText(page);
		assert(mt.includes(String(prices.animation)), 'main button: ' + mt);
		assert((await page.textContent(tid('anim-cost'))).includes(String(prices.animation)), 'no price line');
		const n0 = A.log.requests.length;
		await page.click('#mainbtn');
		await page.waitForSelector(`${tid('anim-progress')}, ${tid('anim-ready')}, ${tid('anim-failed')}`, { timeout: 15000 });
		const posts = A.log.requests.slice(n0).filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/animations'));
		assert(posts.length === 1, posts.length + ' POST /animations');
		anim = await (await posts[0].req.response()).json();
		assert(anim.tryon_id === job.id, 'animation of ' + anim.tryon_id);
	});

	let animDone = false;
	await check('the animation finishes and the video plays', async () => {
		assert(anim, 'no animation');
		await page.waitForSelector(`${tid('anim-ready')}, ${tid('anim-failed')}`, { timeout: ANIM_TIMEOUT });
		await page.$eval(`${tid('anim-ready')}, ${tid('anim-failed')}`, (el) => el.scrollIntoView({ block: 'center' }));
		const f = await page.$(tid('anim-failed'));
		if (f) {
			await shot(page, '06-animation');
			throw new Check('animation FAILED: ' + (await f.getAttribute('data-code')) + ': ' + (await f.innerText()).replace(/\s+/g, ' '));
		}
		/* "plays": no error, and the time advances or enough data is there */
		let plays = false;
		const until = Date.now() + 20000;
		while (!plays && Date.now() < until) {
			plays = await page.evaluate(() => new Promise((resolve) => {
				const v = document.querySelector('[data-testid="anim-video"]');
				if (!v || v.error)
					return resolve(false);
				const t0 = v.currentTime;
				setTimeout(() => resolve(!v.error && (v.currentTime > t0 || v.readyState >= 3)), 800);
			}));
		}
		assert(plays, 'the video does not play');
		const v = await page.evaluate(() => {
			const v = document.querySelector('[data-testid="anim-video"]');
			return { muted: v.muted, inline: v.hasAttribute('playsinline'), w: v.videoWidth, err: v.error && v.error.code };
		});
		assert(v.muted && v.inline && v.w > 0 && !v.err, 'video ' + JSON.stringify(v));
		animDone = true;
		await page.waitForTimeout(300);
		await shot(page, '06-animation');
	});

	await check('the animation was charged once', async () => {
		assert(animDone, 'no finished animation');
		const me = (await apiGet('me', INIT_RU)).data;
		assert(me.balance === meBefore.balance - prices.tryon - prices.animation,
		    `balance ${meBefore.balance} -> ${me.balance}`);
		assert(/Новая примерка/.test(await mainText(page)), 'main button: ' + await mainText(page));
	});

	await check('history lists the try-on and the animation', async () => {
		assert(job, 'no job');
		await page.click(tid('back'));
		await page.waitForSelector(tid('screen-home'));
		await page.click(tid('open-history'));
		const row = `[data-testid="history-tryon"][data-job-id="${job.id}"]`;
		await page.waitForSelector(row, { timeout: 10000 });
		assert((await page.getAttribute(row, 'data-status')) === 'COMPLETED', 'row status');
		await page.waitForTimeout(500);
		await shot(page, '07-history');
		await page.click(tid('tab-animations'));
		if (anim)
			await page.waitForSelector(`[data-testid="history-animation"][data-job-id="${anim.id}"]`, { timeout: 10000 });
		await page.click(tid('tab-tryons'));
		await page.click(row);
		await page.waitForSelector(tid('result-image'), { timeout: 10000 });
		await page.click(tid('back'));
		await page.click(tid('back'));
		await page.waitForSelector(tid('screen-home'));
	});

	/*
	 * The offline try-on for two more categories on the same photo:
	 * created through the API, shown from the history, screenshotted.
	 */
	await check('results for a top and a one-piece are shown (screenshots 05-result-*)', async () => {
		const pick = {};
		for (const o of outfits)
			if (!pick[o.category])
				pick[o.category] = o;
		for (const cat of ['tops', 'one-pieces']) {
			assert(pick[cat], 'the catalogue has no ' + cat);
			const r = await fetch(API + 'tryons', { method: 'POST',
			    headers: { Authorization: 'tma ' + INIT_RU, 'Content-Type': 'application/json',
			    'Idempotency-Key': 'e2e-' + cat + '-' + Date.now() },
			    body: JSON.stringify({ user_photo_id: photoId, outfit_id: pick[cat].id }) });
			assert(r.status === 202, cat + ': POST /tryons answered ' + r.status);
			const j = await r.json();
			let st = null;
			const until = Date.now() + JOB_TIMEOUT;
			do {
				await page.waitForTimeout(1000);
				st = (await apiGet('tryons/' + j.id, INIT_RU)).data;
			} while (st && st.status !== 'COMPLETED' && st.status !== 'FAILED' && Date.now() < until);
			assert(st && st.status === 'COMPLETED', cat + ': ' + (st && st.status) + ' ' +
			    JSON.stringify(st && st.error));
			await page.click(tid('open-history'));
			await page.click(`[data-testid="history-tryon"][data-job-id="${j.id}"]`);
			await page.waitForFunction(() => {
				const im = document.querySelector('[data-testid="result-image"]');
				return im && im.complete && im.naturalWidth > 0;
			}, null, { timeout: 15000 });
			await page.waitForTimeout(400);
			await shot(page, '05-result-' + cat);
			await page.click(tid('back'));
			await page.click(tid('back'));
			await page.waitForSelector(tid('screen-home'));
		}
	});

	await check('a photo that is too small shows the reason', async () => {
		const buf = await makeJpeg(page, 200, 160);
		const up = await uploadVia(page, tid('file-gallery'), { name: 'small.jpg', mimeType: 'image/jpeg', buffer: buf });
		assert(up.status === 422, 'upload answered ' + up.status);
		const err = await page.waitForSelector(tid('photo-error'), { timeout: 5000 });
		const text = (await err.textContent()).trim();
		assert(up.data && up.data.error && text.includes(up.data.error.message), `shows "${text}"`);
		const calls = await page.evaluate(() => window.__tgShim.calls);
		assert(calls.includes('notification:error'), 'no error haptic');
	});

	await check('a blurry photo shows its quality reason (verdict or failed try-on)', async () => {
		const up = await uploadVia(page, tid('file-gallery'), path.join(DATA, 'blur_street_town_blurred.jpg'));
		assert(up.status === 201 || up.status === 422, 'upload answered ' + up.status);
		if (up.status === 422) {
			const text = await (await page.waitForSelector(tid('photo-error'))).textContent();
			assert(text.trim().length > 10, 'no reason');
			await shot(page, '08-photo-rejected');
			return;
		}
		const id = up.data.id;
		await page.waitForSelector(`[data-photo-id="${id}"].selected`, { timeout: 10000 });
		/* The verdict may come with the upload, or later from the worker. */
		let verdict = up.data.status;
		const deadline = Date.now() + 8000;
		while (verdict === 'pending' && Date.now() < deadline) {
			await page.waitForTimeout(500);
			verdict = await page.getAttribute(tid('photo-verdict'), 'data-verdict');
		}
		if (verdict === 'rejected') {
			const reasons = (await page.textContent(tid('photo-reasons'))).trim();
			assert(reasons.length > 10, 'rejected without a reason');
			assert(/другое|ещё|снова|чётк|размыт/i.test(reasons), 'the reason does not say what to do: ' + reasons);
			assert((await page.getAttribute('#mainbtn', 'data-enabled')) === '0', 'try-on still offered');
			await page.evaluate(() => window.scrollTo(0, 0));
			await shot(page, '08-photo-rejected');
			return;
		}
		assert(verdict !== 'accepted', 'the blurry photo was accepted');
		/* Still pending: the try-on must fail with the reason. */
		await waitMainEnabled(page);
		await page.click('#mainbtn');
		await page.waitForSelector(`${tid('tryon-failed')}, ${tid('tryon-result')}`, { timeout: JOB_TIMEOUT });
		const f = await page.$(tid('tryon-failed'));
		await shot(page, '08-photo-rejected');
		assert(f, 'the try-on with a blurry photo COMPLETED (no quality check yet?)');
		const code = await f.getAttribute('data-code');
		const text = (await f.textContent()).trim();
		assert(/^photo_/.test(code), 'failed with ' + code);
		assert(text.length > 20, 'no human reason');
		assert(/другое|Выбрать/i.test(await mainText(page)), 'no way on: ' + await mainText(page));
	});
	pageErrors.push(...A.log.errors);
	await check('nothing was fetched from outside the machine', async () => {
		const foreign = A.log.blocked.filter((u) => !u.startsWith('https://telegram.org/js/telegram-web-app.js') &&
		    !u.startsWith('https://example.com/'));
		assert(foreign.length === 0, 'blocked: ' + foreign.join(' '));
	});
	await A.ctx.close();

	/* ------------------------------------------------------------ */
	console.log('tokens short');
	const B = await newPage(browser, {});
	await check('a clear message when tokens are short; no try-on offered', async () => {
		await B.ctx.route('**/api/v1/me', async (route) => {
			const r = await route.fetch();
			const me = await r.json();
			me.balance = 3;
			me.reserved = 0;
			me.available = 3;
			await route.fulfill({ response: r, json: me });
		});
		await B.page.goto(appUrl(INIT_RU, { theme: LIGHT_THEME }));
		const n = await B.page.waitForSelector(tid('tokens-short'), { timeout: 15000 });
		const text = await n.textContent();
		assert(/Не хватает токенов/.test(text) && text.includes(String(prices.tryon)), 'notice: ' + text);
		await B.page.waitForFunction(() => document.getElementById('mainbtn').dataset.enabled === '0');
		assert(/Недостаточно токенов|Выберите/.test(await mainText(B.page)), 'main button: ' + await mainText(B.page));
		await B.page.evaluate(() => document.querySelector('[data-testid="tokens-short"]').scrollIntoView({ block: 'center' }));
		await shot(B.page, '09-tokens-short');
	});
	await check('a 402 from the server is explained', async () => {
		await B.ctx.unroute('**/api/v1/me');
		await B.ctx.route('**/api/v1/tryons', (route) => route.request().method() === 'POST' ?
		    route.fulfill({ status: 402, json: { error: { code: 'insufficient_tokens', message: 'Недостаточно токенов. Пополните баланс и попробуйте снова.' } } }) :
		    route.continue());
		await B.page.reload();
		await B.page.waitForSelector(tid('screen-home'));
		/* pick the good photo, in case the last one is the blurry one */
		if (photoId)
			await B.page.click(`[data-photo-id="${photoId}"]`).catch(() => {});
		await waitMainEnabled(B.page);
		await B.page.click('#mainbtn');
		await B.page.waitForSelector('#toast.toast-on', { timeout: 5000 });
		assert(/Недостаточно токенов/.test(await B.page.textContent('#toast')), 'toast: ' + await B.page.textContent('#toast'));
		assert(await B.page.$(tid('screen-home')), 'left the home screen');
	});
	pageErrors.push(...B.log.errors);
	await B.ctx.close();

	/* ------------------------------------------------------------ */
	console.log('inside Telegram (a stand-in WebApp), English, dark theme');
	const fake = {
		fn: ({ initData, theme }) => {
			const calls = [];
			const mk = (name) => (...a) => { calls.push([name, a]); };
			const handlers = {};
			const btn = (prefix) => ({
				isVisible: false, text: '',
				setParams(p) { calls.push([prefix + '.setParams', [p]]); Object.assign(this, { text: p.text, isVisible: p.is_visible, isActive: p.is_active }); },
				setText: mk(prefix + '.setText'), show: mk(prefix + '.show'), hide: mk(prefix + '.hide'),
				enable: mk(prefix + '.enable'), disable: mk(prefix + '.disable'),
				showProgress: mk(prefix + '.showProgress'), hideProgress: mk(prefix + '.hideProgress'),
				onClick(f) { handlers[prefix] = f; }, offClick() {},
			});
			window.Telegram = { WebApp: {
				initData, initDataUnsafe: {}, platform: 'android', version: '8.0', colorScheme: 'dark',
				themeParams: theme,
				isVersionAtLeast: (v) => parseFloat(v) <= 8.0,
				ready: mk('ready'), expand: mk('expand'), onEvent: mk('onEvent'), offEvent() {},
				setHeaderColor: mk('setHeaderColor'), setBackgroundColor: mk('setBackgroundColor'),
				setBottomBarColor: mk('setBottomBarColor'), disableVerticalSwipes: mk('disableVerticalSwipes'),
				MainButton: btn('MainButton'), BackButton: btn('BackButton'),
				HapticFeedback: { impactOccurred: mk('impact'), notificationOccurred: mk('notification'), selectionChanged: mk('selection') },
				openLink: mk('openLink'), openTelegramLink: mk('openTelegramLink'),
				openInvoice(url, cb) { calls.push(['openInvoice', [url]]); window.__fake.invoice = { url, cb }; },
			} };
			window.__fake = { calls, handlers };
		},
		arg: { initData: INIT_EN, theme: DARK_THEME },
	};
	const C = await newPage(browser, { init: fake, locale: 'en-US', colorScheme: 'dark' });
	await check('uses Telegram\'s own ready(), expand(), MainButton and theme', async () => {
		await C.page.goto(BASE);
		await C.page.waitForSelector(tid('screen-home'), { timeout: 15000 });
		await C.page.waitForFunction(() => window.__fake.calls.some((c) => c[0] === 'MainButton.setParams' &&
		    /Try on|Choose/.test(c[1][0].text)), null, { timeout: 10000 });
		const names = await C.page.evaluate(() => window.__fake.calls.map((c) => c[0]));
		assert(names.includes('ready') && names.includes('expand'), 'ready/expand: ' + names.join(','));
		assert(await C.page.isHidden('#mainbar'), 'the in-page main button is shown inside Telegram');
		assert(await C.page.isHidden(tid('back')), 'the in-page back button is shown inside Telegram');
		assert((await C.page.textContent('#title')) === 'Fitting room', 'title ' + await C.page.textContent('#title'));
		const v = await C.page.evaluate(() => ({
			scheme: document.documentElement.dataset.scheme,
			body: getComputedStyle(document.body).backgroundColor,
		}));
		assert(v.scheme === 'dark', 'scheme ' + v.scheme);
		assert(v.body === 'rgb(21, 30, 39)', 'background ' + v.body);
		await C.page.waitForTimeout(500);
		await shot(C.page, '10-home-dark-en');
	});
	await check('Telegram\'s MainButton starts a try-on, its BackButton goes back', async () => {
		const fc = () => C.page.evaluate(() => window.__fake.calls.map((c) => c[0] + ':' + JSON.stringify(c[1])));
		if (photoId)
			await C.page.click(`[data-photo-id="${photoId}"]`);
		await C.page.waitForFunction(() => {
			const p = window.__fake.calls.filter((c) => c[0] === 'MainButton.setParams').pop();
			return p && p[1][0].is_visible && p[1][0].is_active && /Try on/.test(p[1][0].text);
		}, null, { timeout: 10000 });
		const n0 = C.log.requests.length;
		await C.page.evaluate(() => window.__fake.handlers.MainButton());
		await C.page.waitForSelector(tid('screen-tryon'), { timeout: 15000 });
		assert(C.log.requests.slice(n0).filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/tryons')).length === 1,
		    'not one POST /tryons');
		await C.page.waitForFunction(() => window.__fake.calls.some((c) => c[0] === 'BackButton.show'));
		await C.page.waitForSelector(`${tid('tryon-result')}, ${tid('tryon-failed')}`, { timeout: JOB_TIMEOUT });
		assert(await C.page.$(tid('tryon-result')), 'the try-on failed');
		await C.page.waitForFunction(() => {
			const im = document.querySelector('[data-testid="result-image"]');
			return im && im.complete && im.naturalWidth > 0;
		}, null, { timeout: 15000 });
		const calls = await fc();
		assert(calls.some((c) => c.startsWith('notification:["success"]')), 'no success haptic');
		assert(/English|Done|charged/.test(await C.page.textContent(tid('charged'))), 'not in English');
		await C.page.waitForTimeout(400);
		await shot(C.page, '12-result-dark-en');
		await C.page.evaluate(() => window.__fake.handlers.BackButton());
		await C.page.waitForSelector(tid('screen-home'), { timeout: 5000 });
		await C.page.waitForFunction(() => window.__fake.calls.some((c) => c[0] === 'BackButton.hide'));
		await C.page.click(tid('open-history'));
		await C.page.waitForSelector(tid('screen-history') + ' ' + tid('history-tryon'), { timeout: 10000 });
		await C.page.waitForTimeout(500);
		await shot(C.page, '11-history-dark-en');
		await C.page.evaluate(() => window.__fake.handlers.BackButton());
		await C.page.waitForSelector(tid('screen-home'), { timeout: 5000 });
	});
	await check('the balance opens the tokens screen; a pack is bought with Stars and credited', async () => {
		const before = (await apiGet('me')).data.balance;
		await C.page.click('#balance');
		await C.page.waitForSelector(tid('screen-topup') + ' ' + tid('pack'), { timeout: 10000 });
		const bought = C.page.waitForResponse((r) => r.request().method() === 'POST' &&
		    r.url().endsWith('/api/v1/purchases'), { timeout: 10000 });
		await C.page.click(tid('pack'));
		const purchase = await (await bought).json();
		await C.page.waitForFunction(() => window.__fake.invoice, null, { timeout: 10000 });
		const url = await C.page.evaluate(() => window.__fake.invoice.url);
		assert(url === purchase.invoice_url && /^https:\/\/t\.me\/\$/.test(url), 'invoice ' + url);
		/* Telegram: the pre-checkout query, the payment, then the app's callback. */
		const from = { id: USER_ID, is_bot: false, first_name: 'E2E', language_code: 'en' };
		const payload = 'purchase:' + purchase.id;
		assert(await webhook({ update_id: 1, pre_checkout_query: { id: 'e2e-' + purchase.id, from,
		    currency: 'XTR', total_amount: purchase.stars, invoice_payload: payload } }) === 200, 'pre-checkout');
		assert(await webhook({ update_id: 2, message: { message_id: 1, date: 1, chat: { id: USER_ID, type: 'private' }, from,
		    successful_payment: { currency: 'XTR', total_amount: purchase.stars, invoice_payload: payload,
		    telegram_payment_charge_id: 'e2e-charge-' + purchase.id, provider_payment_charge_id: '' } } }) === 200, 'payment');
		await C.page.evaluate(() => window.__fake.invoice.cb('paid'));
		await C.page.waitForSelector(tid('notice-ok'), { timeout: 15000 });
		assert(/added/.test(await C.page.textContent(tid('notice-ok'))), 'notice: ' + await C.page.textContent(tid('notice-ok')));
		const me = (await apiGet('me')).data;
		assert(me.balance === before + purchase.tokens, `balance ${before} -> ${me.balance}, bought ${purchase.tokens}`);
		await C.page.waitForFunction((n) => Number(document.getElementById('balance').dataset.available) === n,
		    me.available, { timeout: 5000 });
		const calls = await C.page.evaluate(() => window.__fake.calls.map((c) => c[0] + ':' + JSON.stringify(c[1])));
		assert(calls.some((c) => c.startsWith('notification:["success"]')), 'no success haptic');
		/* The token history: the purchase on top, the try-on's cost below. */
		await C.page.waitForFunction(() => {
			const r = document.querySelector('[data-testid="ledger-row"]');
			return r && r.dataset.kind === 'purchase';
		}, null, { timeout: 10000 });
		const rows = await C.page.$$eval(tid('ledger-row'), (els) => els.map((e) => e.dataset.kind + ' ' + e.textContent));
		const want = (await apiGet('ledger')).data.items;
		assert(rows.length === want.length, `${rows.length} history rows, the API has ${want.length}`);
		assert(/^purchase Bought with Stars.*\+.*tokens$/.test(rows[0]), 'first row: ' + rows[0]);
		assert(rows.some((r) => /^debit Try-on #\d+.*\u2212/.test(r)), 'no try-on debit in ' + rows.join(' | '));
		await C.page.waitForTimeout(300);
		await shot(C.page, '13-topup-dark-en');
		/* A debit opens the try-on it paid for; Back returns here. */
		await C.page.click(`${tid('ledger-row')}[data-kind="debit"]`);
		await C.page.waitForSelector(tid('result-image'), { timeout: 10000 });
		await C.page.evaluate(() => window.__fake.handlers.BackButton());
		await C.page.waitForSelector(tid('screen-topup') + ' ' + tid('ledger-row'), { timeout: 5000 });
		await C.page.evaluate(() => window.__fake.handlers.BackButton());
		await C.page.waitForSelector(tid('screen-home'), { timeout: 5000 });
	});
	pageErrors.push(...C.log.errors);
	await C.ctx.close();

	/* ------------------------------------------------------------ */
	console.log('Telegram-native features (a Bot API 8.0 stand-in that records calls)');
	/*
	 * A WebApp of Bot API 8.0 on a phone: fullscreen, safe areas, the
	 * second and settings buttons, stories, prepared messages, downloads,
	 * CloudStorage and the home screen, each call recorded with its
	 * arguments in window.__native.calls.
	 */
	const native = (opts) => ({
		fn: ({ initData, theme, scheme, version, startParam, cloud }) => {
			const calls = [];
			const handlers = {};
			const events = {};
			const rec = (name, args) => calls.push([name, args]);
			const mk = (name) => (...a) => { rec(name, a); };
			const vnum = (v) => String(v).split('.').map(Number);
			const atLeast = (v) => {
				const a = vnum(version), b = vnum(v);
				for (let i = 0; i < Math.max(a.length, b.length); i++) {
					if ((a[i] || 0) !== (b[i] || 0))
						return (a[i] || 0) > (b[i] || 0);
				}
				return true;
			};
			const btn = (prefix) => ({
				isVisible: false, text: '',
				setParams(p) { rec(prefix + '.setParams', [p]); Object.assign(this, { text: p.text, isVisible: p.is_visible }); },
				setText: mk(prefix + '.setText'), show: mk(prefix + '.show'), hide: mk(prefix + '.hide'),
				enable: mk(prefix + '.enable'), disable: mk(prefix + '.disable'),
				showProgress: mk(prefix + '.showProgress'), hideProgress: mk(prefix + '.hideProgress'),
				onClick(f) { handlers[prefix] = f; }, offClick() {},
			});
			const store = Object.assign({}, cloud || {});
			const unsafe = {};
			if (startParam)
				unsafe.start_param = startParam;
			const wa = {
				initData, initDataUnsafe: unsafe, platform: 'ios', version, colorScheme: scheme,
				themeParams: theme, isFullscreen: false,
				safeAreaInset: { top: 0, bottom: 0, left: 0, right: 0 },
				contentSafeAreaInset: { top: 0, bottom: 0, left: 0, right: 0 },
				isVersionAtLeast: (v) => { rec('isVersionAtLeast', [v]); return atLeast(v); },
				ready: mk('ready'), expand: mk('expand'),
				onEvent(e, f) { rec('onEvent', [e]); (events[e] = events[e] || []).push(f); },
				offEvent() {},
				setHeaderColor: mk('setHeaderColor'), setBackgroundColor: mk('setBackgroundColor'),
				setBottomBarColor: mk('setBottomBarColor'), disableVerticalSwipes: mk('disableVerticalSwipes'),
				MainButton: btn('MainButton'), BackButton: btn('BackButton'),
				HapticFeedback: { impactOccurred: mk('impact'), notificationOccurred: mk('notification'), selectionChanged: mk('selection') },
				openLink: mk('openLink'), openTelegramLink: mk('openTelegramLink'),
			};
			/* What newer clients have, only from the version that added it
			 * (as telegram-web-app.js refuses it on older ones). */
			if (atLeast('7.0'))
				wa.SettingsButton = btn('SettingsButton');
			if (atLeast('6.9'))
				wa.CloudStorage = {
					setItem(k, v, cb) { rec('CloudStorage.setItem', [k, v]); store[k] = v; if (cb) setTimeout(() => cb(null, true), 0); },
					getItem(k, cb) { rec('CloudStorage.getItem', [k]); setTimeout(() => cb(null, store[k] === undefined ? '' : store[k]), 0); },
				};
			if (atLeast('7.8'))
				wa.shareToStory = mk('shareToStory');
			if (atLeast('7.10'))
				wa.SecondaryButton = btn('SecondaryButton');
			if (atLeast('8.0')) {
				wa.requestFullscreen = () => {
					rec('requestFullscreen', []);
					/* As an iPhone 14 reports it: the notch, the home
					 * indicator, and Telegram's close and menu buttons. */
					wa.isFullscreen = true;
					wa.safeAreaInset = { top: 47, bottom: 34, left: 0, right: 0 };
					wa.contentSafeAreaInset = { top: 46, bottom: 0, left: 0, right: 0 };
					setTimeout(() => {
						for (const e of ['fullscreenChanged', 'safeAreaChanged', 'contentSafeAreaChanged'])
							for (const f of events[e] || [])
								f();
					}, 0);
				};
				wa.shareMessage = (id, cb) => { rec('shareMessage', [id]); if (cb) setTimeout(() => cb(true), 0); };
				wa.downloadFile = (p, cb) => { rec('downloadFile', [p]); if (cb) setTimeout(() => cb(true), 0); };
				wa.checkHomeScreenStatus = (cb) => { rec('checkHomeScreenStatus', []); setTimeout(() => cb('missed'), 0); };
				wa.addToHomeScreen = mk('addToHomeScreen');
			}
			window.Telegram = { WebApp: wa };
			window.__native = { calls, handlers, store };
		},
		arg: Object.assign({ initData: INIT_EN, theme: LIGHT_THEME, scheme: 'light', version: '8.0',
		    startParam: '', cloud: {} }, opts),
	});
	const calls = (P, name) => P.page.evaluate((n) => window.__native.calls.filter((c) => c[0] === n).map((c) => c[1]), name);
	const seen = (P, name) => P.page.waitForFunction((n) => window.__native.calls.some((c) => c[0] === n), name, { timeout: 10000 });

	/* Fullscreen with the insets, at two widths, in both languages and themes. */
	for (const [w, h] of [[390, 844], [360, 740]]) {
		for (const [lang, scheme] of [['ru', 'light'], ['en', 'dark'], ['ru', 'dark'], ['en', 'light']]) {
			const P = await newPage(browser, {
				viewport: { width: w, height: h }, colorScheme: scheme, locale: lang === 'ru' ? 'ru-RU' : 'en-US',
				init: native({ initData: lang === 'ru' ? INIT_RU : INIT_EN,
				    theme: scheme === 'dark' ? DARK_THEME : LIGHT_THEME, scheme }),
			});
			await check(`fullscreen with safe-area insets, ${w} px, ${lang}, ${scheme}`, async () => {
				await P.page.goto(BASE);
				await P.page.waitForSelector(tid('screen-home') + ' ' + tid('outfit-card'), { timeout: 15000 });
				await seen(P, 'requestFullscreen');
				await P.page.waitForFunction(() => document.documentElement.dataset.fullscreen === '1', null, { timeout: 5000 });
				const v = await P.page.evaluate(() => {
					const tb = getComputedStyle(document.getElementById('topbar'));
					const sc = getComputedStyle(document.getElementById('screen'));
					return { top: tb.paddingTop, bottom: sc.paddingBottom,
					    safeTop: getComputedStyle(document.documentElement).getPropertyValue('--safe-top').trim(),
					    width: document.documentElement.scrollWidth,
					    title: document.getElementById('title').getBoundingClientRect().top };
				});
				assert(v.safeTop === '93px', '--safe-top ' + v.safeTop);
				assert(v.top === '93px', 'the top bar starts at ' + v.top + ', not below the notch and Telegram\'s buttons');
				assert(v.bottom === '58px', 'the screen keeps ' + v.bottom + ' at the bottom, not 24 px + the home indicator');
				assert(v.title >= 93, 'the title is at ' + v.title + ' px, under the insets');
				assert(v.width <= w, 'the page is ' + v.width + ' px wide');
				const guarded = await calls(P, 'isVersionAtLeast');
				assert(guarded.some((a) => a[0] === '8.0'), 'requestFullscreen was not guarded by isVersionAtLeast("8.0")');
				await P.page.waitForTimeout(300);
				await shot(P.page, `20-fullscreen-${w}-${lang}-${scheme}`);
			});
			if (w === 390) {
				await check(`the settings screen from Telegram's SettingsButton, ${lang}, ${scheme}`, async () => {
					await seen(P, 'SettingsButton.show');
					await P.page.evaluate(() => window.__native.handlers.SettingsButton());
					await P.page.waitForSelector(tid('screen-settings') + ' ' + tid('notify-toggle'), { timeout: 10000 });
					assert(await P.page.isHidden(tid('settings-open')), 'the in-page gear is shown beside Telegram\'s SettingsButton');
					const title = await P.page.textContent('#title');
					assert(title === (lang === 'ru' ? 'Настройки' : 'Settings'), 'title ' + title);
					assert(await P.page.isChecked(tid('notify-toggle')), 'notifications are off by default');
					assert(await P.page.isChecked(tid('lang-auto') + ' input'), 'the language is not "as in Telegram"');
					assert(await P.page.$('[data-testid^="erase"]'), 'no erase entries in the settings (DELETE /me exists)');
					await P.page.waitForTimeout(300);
					await shot(P.page, `21-settings-${lang}-${scheme}`);
				});
			}
			pageErrors.push(...P.log.errors);
			await P.ctx.close();
		}
	}

	const N = await newPage(browser, { init: native({ cloud: { tryons_ok: '1' } }), locale: 'en-US' });
	await check('settings: notifications off and on, the language chosen (PATCH /me/settings, CloudStorage)', async () => {
		await N.page.goto(BASE);
		await N.page.waitForSelector(tid('screen-home'), { timeout: 15000 });
		await seen(N, 'SettingsButton.show');
		await N.page.evaluate(() => window.__native.handlers.SettingsButton());
		await N.page.waitForSelector(tid('notify-toggle'), { timeout: 10000 });
		/* The answer, not just the request: the server has it then. */
		const patch = () => N.page.waitForResponse((r) => r.request().method() === 'PATCH' &&
		    r.url().endsWith('/api/v1/me/settings'), { timeout: 10000 }).then((r) => r.request());
		let p = patch();
		await N.page.click(tid('notify-toggle'));
		assert(JSON.parse((await p).postData()).notifications === false, 'not {notifications:false}');
		await N.page.waitForFunction(() => !document.querySelector('[data-testid="notify-toggle"]').checked);
		assert((await apiGet('me/settings')).data.notifications === false, 'the server still has notifications on');
		p = patch();
		await N.page.click(tid('notify-toggle'));
		await p;
		await N.page.waitForFunction(() => document.querySelector('[data-testid="notify-toggle"]').checked);
		assert((await apiGet('me/settings')).data.notifications === true, 'notifications not back on');
		p = patch();
		await N.page.click(tid('lang-ru'));
		assert(JSON.parse((await p).postData()).language === 'ru', 'not {language:"ru"}');
		await N.page.waitForFunction(() => document.getElementById('title').textContent === 'Настройки', null, { timeout: 5000 });
		const set = await calls(N, 'CloudStorage.setItem');
		assert(set.some((a) => a[0] === 'language' && a[1] === 'ru'), 'the choice is not in CloudStorage: ' + JSON.stringify(set));
		/* Status texts follow the choice: the API gets X-Primerka-Language. */
		const n0 = N.log.requests.length;
		await N.page.evaluate(() => window.__native.handlers.BackButton());
		await N.page.waitForSelector(tid('screen-home'), { timeout: 5000 });
		await N.page.waitForTimeout(300);
		p = patch();
		await N.page.evaluate(() => window.__native.handlers.SettingsButton());
		await N.page.waitForSelector(tid('lang-auto'), { timeout: 10000 });
		await N.page.click(tid('lang-auto'));
		await p;
		const later = N.log.requests.slice(n0);
		assert(later.length > 0 && later.every((r) => r.headers['x-primerka-language'] === 'ru' || r.method === 'PATCH'),
		    'requests without X-Primerka-Language: ru');
		await N.page.waitForFunction(() => document.getElementById('title').textContent === 'Settings', null, { timeout: 5000 });
		await N.page.evaluate(() => window.__native.handlers.BackButton());
		await N.page.waitForSelector(tid('screen-home'), { timeout: 5000 });
	});
	await check('CloudStorage remembers the photo and the outfit chosen', async () => {
		if (photoId)
			await N.page.click(`[data-photo-id="${photoId}"]`);
		await N.page.click(tid('outfit-card'));
		await N.page.waitForFunction(() => window.__native.calls.some((c) => c[0] === 'CloudStorage.setItem' &&
		    c[1][0] === 'last_selection' && JSON.parse(c[1][1]).outfitId), null, { timeout: 10000 });
		const last = (await calls(N, 'CloudStorage.setItem')).filter((a) => a[0] === 'last_selection').pop();
		const sel = JSON.parse(last[1]);
		assert(!photoId || sel.photoId === photoId, 'photo ' + sel.photoId + ', not ' + photoId);
		/* Another device: nothing in its localStorage, the choice from the cloud. */
		const M = await newPage(browser, { init: native({ cloud: { last_selection: last[1] } }), locale: 'en-US' });
		await M.page.goto(BASE);
		await M.page.waitForSelector(tid('screen-home'), { timeout: 15000 });
		await seen(M, 'CloudStorage.getItem');
		const st = await M.page.evaluate(() => window.__primerka.state.sel);
		await M.ctx.close();
		assert(st.outfitId === sel.outfitId && st.photoId === sel.photoId, 'restored ' + JSON.stringify(st) + ', want ' + last[1]);
	});

	let shareResp = null;
	await check('a deep link (startapp t<id>) opens the result', async () => {
		assert(job, 'no try-on from the first part');
		const P = await newPage(browser, { init: native({ startParam: 't' + job.id, cloud: { tryons_ok: '1' } }), locale: 'en-US' });
		N.other = P;
		await P.page.goto(BASE);
		await P.page.waitForSelector(tid('screen-tryon') + ' ' + tid('tryon-result'), { timeout: 15000 });
		assert(await P.page.evaluate(() => document.body.dataset.startapp) === 't' + job.id, 'not opened from the link');
		await P.page.waitForTimeout(300);
		await shot(P.page, '22-result-native-en');
	});
	const P = N.other;
	await check('share to a story: shareToStory(media_url, {text, widget_link}) with a link back', async () => {
		assert(P, 'no page');
		const r = P.page.waitForResponse((x) => x.url().endsWith('/share') && x.request().method() === 'POST', { timeout: 10000 });
		await P.page.click(tid('result-story'));
		shareResp = await (await r).json();
		await seen(P, 'shareToStory');
		const a = (await calls(P, 'shareToStory'))[0];
		assert(a[0] === shareResp.story.media_url && /^https?:\/\//.test(a[0]), 'media_url ' + a[0]);
		const fetched = await fetch(a[0]);
		assert(fetched.ok, 'Telegram could not fetch the story media: ' + fetched.status);
		assert(a[1].text && a[1].widget_link && /startapp=o\d+-s\d+-r[0-9a-f]{16}$/.test(a[1].widget_link.url),
		    'params ' + JSON.stringify(a[1]));
		assert(a[1].widget_link.name === 'Try it on', 'widget name ' + a[1].widget_link.name);
	});
	await check('send to a chat: shareMessage(the id the bot prepared)', async () => {
		assert(shareResp, 'no share data');
		assert(shareResp.prepared_message_id, 'the bot prepared no message');
		await P.page.click(tid('result-share'));
		await seen(P, 'shareMessage');
		const a = (await calls(P, 'shareMessage'))[0];
		assert(a[0] === shareResp.prepared_message_id, 'shareMessage(' + a[0] + ')');
	});
	await check('save: downloadFile({url, file_name})', async () => {
		await P.page.click(tid('result-save'));
		await seen(P, 'downloadFile');
		const a = (await calls(P, 'downloadFile'))[0][0];
		assert(a.file_name === 'primerka-' + job.id + '.jpg' && /^https?:\/\//.test(a.url), JSON.stringify(a));
	});
	let again = null;
	await check('try again with a new seed: the price shown, a new job charged, variants side by side; SecondaryButton', async () => {
		const label = await P.page.textContent(tid('try-again'));
		assert(label.includes(String(prices.tryon)), 'no price on "' + label + '"');
		const before = (await apiGet('me')).data.balance;
		const post = P.page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/tryons'), { timeout: 10000 });
		await P.page.click(tid('try-again'));
		const body = JSON.parse((await post).postData());
		assert(Number.isInteger(body.seed) && body.outfit_id === job.outfit_id && body.user_photo_id === job.user_photo_id,
		    'body ' + JSON.stringify(body));
		await P.page.waitForSelector(tid('tryon-result'), { timeout: JOB_TIMEOUT });
		await P.page.waitForSelector(tid('variants') + ' ' + tid('variant'), { timeout: 15000 });
		const ids = await P.page.$$eval(tid('variant'), (els) => els.map((e) => Number(e.dataset.id)));
		again = ids.find((x) => x !== job.id);
		assert(ids.length >= 2 && ids.includes(job.id), 'variants ' + JSON.stringify(ids));
		const after = (await apiGet('me')).data.balance;
		assert(after === before - prices.tryon, `balance ${before} -> ${after}, not one try-on`);
		/* Not animated yet: "Animate" on MainButton, "New try-on" beside it. */
		await P.page.waitForFunction(() => {
			const s = window.__native.calls.filter((c) => c[0] === 'SecondaryButton.setParams').pop();
			return s && s[1][0].is_visible;
		}, null, { timeout: 10000 });
		const sec = (await calls(P, 'SecondaryButton.setParams')).pop()[0];
		const mainp = (await calls(P, 'MainButton.setParams')).pop()[0];
		assert(/New try-on/.test(sec.text), 'SecondaryButton says ' + sec.text);
		assert(/Animate/.test(mainp.text), 'MainButton says ' + mainp.text);
		await P.page.waitForTimeout(300);
		await shot(P.page, '23-variants-en');
	});
	await check('the home-screen shortcut is offered once, after the second successful try-on', async () => {
		await seen(P, 'addToHomeScreen');
		assert((await calls(P, 'checkHomeScreenStatus')).length === 1, 'checked more than once');
		assert((await calls(P, 'addToHomeScreen')).length === 1, 'offered more than once');
		const set = await calls(P, 'CloudStorage.setItem');
		assert(set.some((a) => a[0] === 'home_offered'), 'not remembered');
	});
	if (P) {
		pageErrors.push(...P.log.errors);
		await P.ctx.close();
	}
	await check('a shared link (startapp o<outfit>-s<shop>-r<code>) opens the outfit', async () => {
		assert(shareResp, 'no share data');
		const Q = await newPage(browser, { init: native({ startParam: shareResp.startapp }), locale: 'en-US' });
		await Q.page.goto(BASE);
		await Q.page.waitForSelector(tid('screen-outfit'), { timeout: 15000 });
		pageErrors.push(...Q.log.errors);
		await Q.ctx.close();
	});
	await check('a shop\'s link (startapp s<shop>) shows that shop\'s outfits', async () => {
		assert(shareResp, 'no share data');
		const shop = Number(/-s(\d+)-/.exec(shareResp.startapp)[1]);
		const Q = await newPage(browser, { init: native({ startParam: 's' + shop }), locale: 'en-US' });
		await Q.page.goto(BASE);
		await Q.page.waitForSelector(tid('screen-home') + ' ' + tid('shop-filter'), { timeout: 15000 });
		const ids = await Q.page.$$eval(tid('outfit-card'), (els) => els.map((e) => Number(e.dataset.outfitId)));
		const mine = outfits.filter((o) => o.shop_id === shop).map((o) => o.id);
		assert(ids.length > 0 && ids.every((i) => mine.includes(i)), 'cards ' + JSON.stringify(ids) + ' not all of shop ' + shop);
		await Q.page.click(tid('shop-filter'));
		await Q.page.waitForSelector(tid('shop-filter'), { state: 'detached', timeout: 5000 });
		pageErrors.push(...Q.log.errors);
		await Q.ctx.close();
	});
	await check('an older client (Bot API 6.0) gets none of the new calls', async () => {
		const O = await newPage(browser, { init: native({ version: '6.0', startParam: job ? 't' + job.id : '' }), locale: 'en-US' });
		await O.page.goto(BASE);
		await O.page.waitForSelector(tid('screen-tryon') + ' ' + tid('tryon-result'), { timeout: 15000 });
		await O.page.waitForTimeout(500);
		const names = await O.page.evaluate(() => window.__native.calls.map((c) => c[0]));
		for (const n of ['requestFullscreen', 'SecondaryButton.setParams', 'SettingsButton.show', 'CloudStorage.getItem',
		    'CloudStorage.setItem', 'shareToStory', 'shareMessage', 'downloadFile', 'addToHomeScreen'])
			assert(!names.includes(n), n + ' called on a 6.0 client');
		assert(await O.page.isVisible(tid('settings-open')), 'no in-page settings gear');
		assert(!(await O.page.$(tid('result-story'))), 'a story button on a 6.0 client');
		pageErrors.push(...O.log.errors);
		await O.ctx.close();
	});
	pageErrors.push(...N.log.errors);
	await N.ctx.close();

	/* ------------------------------------------------------------ */
	console.log('360 px wide');
	const D = await newPage(browser, { viewport: { width: 360, height: 740 } });
	await check('nothing overflows at 360 px (home, result, tokens in Russian)', async () => {
		await D.page.goto(appUrl(INIT_RU));
		await D.page.waitForSelector(tid('screen-home') + ' ' + tid('outfit-card'), { timeout: 15000 });
		const w1 = await D.page.evaluate(() => document.documentElement.scrollWidth);
		assert(w1 <= 360, 'home is ' + w1 + ' px wide');
		if (job) {
			await D.page.click(tid('open-history'));
			await D.page.click(`[data-testid="history-tryon"][data-job-id="${job.id}"]`);
			await D.page.waitForSelector(tid('result-image'), { timeout: 10000 });
			await D.page.waitForTimeout(800);
			const w2 = await D.page.evaluate(() => document.documentElement.scrollWidth);
			assert(w2 <= 360, 'result is ' + w2 + ' px wide');
		}
		await D.page.click('#balance');
		await D.page.waitForSelector(tid('screen-topup') + ' ' + tid('ledger-row'), { timeout: 10000 });
		await D.page.waitForTimeout(300);
		const w3 = await D.page.evaluate(() => document.documentElement.scrollWidth);
		assert(w3 <= 360, 'the tokens screen is ' + w3 + ' px wide');
		const hist = await D.page.textContent(tid('ledger'));
		assert(/Начисление|Примерка|Покупка/.test(hist) && /токен/.test(hist), 'the history is not in Russian: ' + hist);
		await shot(D.page, '14-tokens-ru-360');
	});
	pageErrors.push(...D.log.errors);
	await D.ctx.close();

	/* ------------------------------------------------------------ */
	console.log('erasing your data (settings)');
	const S = await newPage(browser);
	await check('Settings > Delete my data erases photos and try-ons, keeps the balance', async () => {
		const before = await apiGet('me');
		const had = await apiGet('tryons');
		assert(had.data.items.length > 0, 'no try-ons to erase');
		await S.page.goto(appUrl(INIT_EN));
		await S.page.waitForSelector(tid('screen-home'), { timeout: 15000 });
		await S.page.click(tid('open-settings'));
		await S.page.waitForSelector(tid('screen-settings'), { timeout: 5000 });
		await shot(S.page, '15-settings');
		await S.page.click(tid('erase-me'));
		await S.page.click(tid('confirm-ok'));
		await S.page.waitForSelector(tid('screen-home'), { timeout: 10000 });
		const photos = await apiGet('photos');
		const tryons = await apiGet('tryons');
		const anims = await apiGet('animations');
		assert(photos.data.items.length === 0 && tryons.data.items.length === 0 &&
		    anims.data.items.length === 0, 'left: ' + JSON.stringify([photos.data.items.length,
		    tryons.data.items.length, anims.data.items.length]));
		const after = await apiGet('me');
		assert(after.data.balance === before.data.balance, 'balance ' + before.data.balance + ' -> ' + after.data.balance);
	});
	pageErrors.push(...S.log.errors);
	await S.ctx.close();

	/* ------------------------------------------------------------ */
	console.log('outside Telegram without launch data');
	const E = await newPage(browser, { locale: 'en-US' });
	await check('explains how to open the app', async () => {
		await E.page.goto(BASE);
		await E.page.waitForSelector(tid('screen-noinit'), { timeout: 10000 });
		assert(/Telegram/.test(await E.page.textContent(tid('screen-noinit'))), 'no explanation');
	});
	pageErrors.push(...E.log.errors);
	await E.ctx.close();

	console.log('screenshots');
	await check('no uncaught errors in the page', async () => {
		assert(pageErrors.length === 0, pageErrors.join(' | '));
	});
	await check(`screenshots at 390x844 written to ${path.relative(ROOT, OUT) || OUT} and not empty`, async () => {
		const want = ['01-home-empty', '02-outfit', '03-home-ready', '04-progress', '05-result',
		    '05-result-tops', '05-result-one-pieces', '06-animation',
		    '07-history', '08-photo-rejected', '09-tokens-short', '10-home-dark-en', '11-history-dark-en',
		    '13-topup-dark-en'];
		const missing = [];
		for (const n of want) {
			const f = path.join(OUT, n + '.png');
			if (!fs.existsSync(f)) {
				missing.push(n);
				continue;
			}
			const s = pngSize(f);
			assert(s && s.width === VIEW.width && s.height === VIEW.height, n + ' is ' + JSON.stringify(s));
			assert(s.bytes > 5000, n + ' is nearly empty (' + s.bytes + ' bytes)');
		}
		assert(missing.length === 0, 'missing: ' + missing.join(', '));
	});
}

main().catch((e) => {
	bad('test run', e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : String(e));
}).finally(() => {
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed === 0 && passed > 0 ? 0 : 1);
});
