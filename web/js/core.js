/*
 * The app's shared state, the screen stack (with Telegram's BackButton or
 * the in-page back arrow), the main button (Telegram's MainButton or the
 * in-page fallback) and the balance in the top bar.
 */
import { api, ApiError } from './api.js';
import { tg } from './tg.js';
import { t, tokens } from './i18n.js';
import { toast } from './dom.js';

export const state = {
	me: null,
	photos: [],
	photosLoaded: false,
	outfits: [],
	outfitById: new Map(),
	locations: [],
	catalogLoaded: false,
	tryons: [],
	animations: [],
	sel: { photoId: null, outfitId: null, locationId: null },
	shopId: null,	/* a shop's link: its outfits only (home) */
};

/* ---- selection, remembered per user on this device ---- */

function selKey() {
	return 'primerka.sel.' + (state.me ? state.me.id : '0');
}

export function loadSelection() {
	try {
		const s = JSON.parse(localStorage.getItem(selKey()) || 'null');
		if (s && typeof s === 'object')
			Object.assign(state.sel, s);
	} catch (e) { /* storage may be unavailable */ }
}

export function saveSelection() {
	try { localStorage.setItem(selKey(), JSON.stringify(state.sel)); } catch (e) { /* ignore */ }
	/* Telegram's CloudStorage follows the user to their other devices. */
	tg.storageSet(CLOUD_SEL, JSON.stringify({ photoId: state.sel.photoId,
	    outfitId: state.sel.outfitId, locationId: state.sel.locationId }));
}

const CLOUD_SEL = 'last_selection';

/* The last photo and outfit from CloudStorage (another device's, too). */
export async function loadCloudSelection() {
	const v = await tg.storageGet(CLOUD_SEL);
	if (!v)
		return;
	try {
		const s = JSON.parse(v);
		for (const k of ['photoId', 'outfitId', 'locationId'])
			if (s && (s[k] === null || Number.isInteger(s[k])))
				state.sel[k] = s[k];
	} catch (e) { /* not ours: ignore */ }
}

/* ---- data ---- */

export async function refreshMe() {
	state.me = await api.me();
	renderBalance();
	return state.me;
}

export async function loadPhotos() {
	const d = await api.photos();
	state.photos = d.items || [];
	state.photosLoaded = true;
	return state.photos;
}

async function allPages(fn) {
	const items = [];
	let cursor = null;
	for (let i = 0; i < 10; i++) {
		const d = await fn(cursor);
		items.push(...(d.items || []));
		if (!d.next_cursor)
			break;
		cursor = d.next_cursor;
	}
	return items;
}

export async function loadCatalog() {
	const [outfits, locations] = await Promise.all([allPages(api.outfits), allPages(api.locations)]);
	state.outfits = outfits;
	for (const o of outfits)
		state.outfitById.set(o.id, o);
	state.locations = locations;
	state.catalogLoaded = true;
}

export async function getOutfit(id) {
	if (state.outfitById.has(id))
		return state.outfitById.get(id);
	const o = await api.outfit(id);
	state.outfitById.set(id, o);
	return o;
}

export async function loadJobs() {
	const [tr, an] = await Promise.all([api.tryons(), api.animations()]);
	state.tryons = tr.items || [];
	state.animations = an.items || [];
}

/* Keep a job in the cached lists up to date. */
export function rememberJob(job) {
	const list = job.kind === 'animation' ? state.animations : state.tryons;
	const i = list.findIndex((j) => j.id === job.id);
	if (i >= 0)
		list[i] = job;
	else
		list.unshift(job);
}

export function available() {
	if (!state.me)
		return 0;
	if (typeof state.me.available === 'number')
		return state.me.available;
	return (state.me.balance || 0) - (state.me.reserved || 0);
}

export function price(kind) {
	return state.me && state.me.prices ? state.me.prices[kind] || 0 : 0;
}

/* ---- top bar ---- */

export function renderBalance() {
	const b = document.getElementById('balance');
	const v = document.getElementById('balance-value');
	if (!b || !state.me)
		return;
	v.textContent = new Intl.NumberFormat().format(available());
	b.dataset.available = String(available());
	b.setAttribute('aria-label', tokens(available()));
	b.hidden = false;
}

/* A human message for an API error. */
export function errorText(e) {
	if (!(e instanceof ApiError))
		return t('err_generic');
	if (e.status === 0)
		return t('err_network');
	if (e.status === 401)
		return t('err_auth');
	if (e.status >= 500 || e.status === 429)
		return t('err_server');
	return e.message || t('err_generic');
}

/* ---- the main button ---- */

const main = {
	spec: { visible: false },
	handler: null,
};

/* A theme colour as #rrggbb (what Telegram's setParams accepts), or the fallback. */
function themeColor(name, fallback) {
	let v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
	if (/^#[0-9a-f]{3}$/i.test(v))
		v = '#' + v[1] + v[1] + v[2] + v[2] + v[3] + v[3];
	return /^#[0-9a-f]{6}$/i.test(v) ? v : fallback;
}

/*
 * setMain({text, visible, enabled, progress, onClick}): the one button at
 * the bottom.  Telegram's own when inside Telegram, else the page's.
 */
export function setSecondary(spec) {
	const btn = document.getElementById('secbtn');
	if (tg.setSecondary(spec)) {
		btn.hidden = true;
		return;
	}
	btn.hidden = !spec;
	btn.textContent = spec ? spec.text : '';
	btn.onclick = spec ? () => { tg.haptic('light'); spec.onClick(); } : null;
}

export function setMain(spec) {
	main.spec = Object.assign({ visible: true, enabled: true, progress: false }, spec || { visible: false });
	main.handler = main.spec.onClick || null;
	const s = main.spec;
	const bar = document.getElementById('mainbar');
	const btn = document.getElementById('mainbtn');
	document.getElementById('mainbtn-text').textContent = s.text || '';
	btn.disabled = !s.enabled || !!s.progress;
	btn.classList.toggle('mainbtn-progress', !!s.progress);
	btn.dataset.enabled = s.enabled && !s.progress ? '1' : '0';
	if (tg.inTelegram) {
		bar.hidden = true;
		document.body.classList.remove('has-mainbar');
		const mb = tg.wa.MainButton;
		try {
			mb.setParams({
				text: s.text || ' ',
				is_visible: !!s.visible,
				is_active: !!s.enabled,
				color: s.enabled ? themeColor('--tg-theme-button-color', '#2481cc') :
				    themeColor('--tg-theme-secondary-bg-color', '#e5e5ea'),
				text_color: s.enabled ? themeColor('--tg-theme-button-text-color', '#ffffff') :
				    themeColor('--tg-theme-hint-color', '#8e8e93'),
			});
			if (s.progress)
				mb.showProgress(false);
			else
				mb.hideProgress();
		} catch (e) { /* an old client */ }
	} else {
		bar.hidden = !s.visible;
		document.body.classList.toggle('has-mainbar', !!s.visible);
	}
}

let lastPress = { handler: null, at: 0 };

function pressMain() {
	const s = main.spec;
	if (!s.visible || !s.enabled || s.progress || !main.handler)
		return;
	/* A double tap must not start the same action twice. */
	const now = Date.now();
	if (lastPress.handler === main.handler && now - lastPress.at < 600)
		return;
	lastPress = { handler: main.handler, at: now };
	tg.haptic('medium');
	main.handler();
}

/* ---- screens ---- */

const screens = {};
const stack = [];	/* {name, params, screen, scroll} */

export function registerScreen(name, factory) {
	screens[name] = factory;
}

function updateBack() {
	const canBack = stack.length > 1;
	const el = document.getElementById('back');
	if (tg.inTelegram) {
		el.hidden = true;
		try {
			if (canBack)
				tg.wa.BackButton.show();
			else
				tg.wa.BackButton.hide();
		} catch (e) { /* BackButton needs Bot API 6.1 */ }
		if (!tg.atLeast('6.1'))
			el.hidden = !canBack;
	} else {
		el.hidden = !canBack;
	}
}

function mount(entry) {
	const root = document.getElementById('screen');
	root.replaceChildren();
	const scr = screens[entry.name](entry.params || {});
	entry.screen = scr;
	document.getElementById('title').textContent = scr.title || t('app_title');
	document.body.dataset.screen = entry.name;
	root.appendChild(scr.el);
	updateBack();
	setMain(null);
	setSecondary(null);
	if (scr.mount)
		scr.mount();
	window.scrollTo(0, entry.scroll || 0);
}

function unmount(entry) {
	if (entry && entry.screen) {
		entry.scroll = window.scrollY;
		if (entry.screen.destroy)
			entry.screen.destroy();
		entry.screen = null;
	}
}

export const nav = {
	go(name, params) {
		unmount(stack[stack.length - 1]);
		const e = { name, params };
		stack.push(e);
		mount(e);
	},
	replace(name, params) {
		unmount(stack.pop());
		const e = { name, params };
		stack.push(e);
		mount(e);
	},
	reset(name, params) {
		while (stack.length)
			unmount(stack.pop());
		const e = { name, params };
		stack.push(e);
		mount(e);
	},
	back() {
		if (stack.length <= 1)
			return;
		unmount(stack.pop());
		mount(stack[stack.length - 1]);
	},
	/* Back to the first screen (home), keeping it. */
	home() {
		while (stack.length > 1)
			unmount(stack.pop());
		const e = stack[0];
		if (e && e.name === 'home') {
			e.scroll = 0;
			mount(e);
		} else {
			nav.reset('home');
		}
	},
	depth() {
		return stack.length;
	},
	current() {
		return stack.length ? stack[stack.length - 1].name : null;
	},
};

export function setTitle(text) {
	document.getElementById('title').textContent = text;
}

/* Wire the static controls once. */
export function initChrome() {
	document.getElementById('mainbtn').addEventListener('click', pressMain);
	document.getElementById('back').addEventListener('click', () => nav.back());
	/* Settings: Telegram's SettingsButton (in its menu), else a gear here. */
	const openSettings = () => { if (state.me && nav.current() !== 'settings') nav.go('settings'); };
	const gear = document.getElementById('settings');
	gear.hidden = tg.initSettingsButton(openSettings);
	gear.addEventListener('click', openSettings);
	/* The balance opens the tokens screen (balance, prices, top-up). */
	document.getElementById('balance').addEventListener('click', () => {
		if (state.me && nav.current() !== 'topup')
			nav.go('topup');
	});
	document.addEventListener('keydown', (e) => {
		if (e.key === 'Escape' && !document.querySelector('.sheet-root'))
			nav.back();
	});
	if (tg.inTelegram) {
		try { tg.wa.onEvent('themeChanged', () => setMain(main.spec.visible ? main.spec : null)); } catch (e) { /* ignore */ }
		try { tg.wa.MainButton.onClick(pressMain); } catch (e) { /* ignore */ }
		try { tg.wa.BackButton.onClick(() => nav.back()); } catch (e) { /* ignore */ }
	}
	document.body.classList.toggle('in-telegram', tg.inTelegram);
}

export { toast };
