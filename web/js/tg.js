/*
 * The Telegram bridge.
 *
 * Inside Telegram, telegram-web-app.js provides window.Telegram.WebApp and
 * the app drives Telegram's own main button, back button and haptics.
 * The script is optional: when it cannot be loaded (a plain browser, no
 * network, tests) a small shim takes its place.  The shim reads the launch
 * parameters from the URL hash exactly as Telegram passes them
 * (#tgWebAppData=...&tgWebAppThemeParams=...), and its MainButton,
 * BackButton and HapticFeedback do nothing; the app then shows its own
 * in-page main and back buttons (see app.js).
 */

const TG_SCRIPT = 'https://telegram.org/js/telegram-web-app.js';
const TG_SCRIPT_TIMEOUT_MS = 3000;

/* Launch parameters from the URL hash, as Telegram provides them. */
export function hashParams(hash = window.location.hash) {
	const out = {};
	const s = hash.replace(/^#/, '');
	if (s === '')
		return out;
	for (const part of s.split('&')) {
		const eq = part.indexOf('=');
		if (eq <= 0)
			continue;
		try {
			out[decodeURIComponent(part.slice(0, eq))] =
			    decodeURIComponent(part.slice(eq + 1));
		} catch (e) {
			/* a malformed escape: skip that parameter */
		}
	}
	return out;
}

/* initDataUnsafe from a raw initData string (user is JSON). */
export function parseInitData(raw) {
	const out = {};
	if (!raw)
		return out;
	const q = new URLSearchParams(raw);
	for (const [k, v] of q) {
		if (k === 'user' || k === 'receiver' || k === 'chat') {
			try { out[k] = JSON.parse(v); } catch (e) { /* ignore */ }
		} else if (k === 'auth_date') {
			out[k] = Number(v);
		} else {
			out[k] = v;
		}
	}
	return out;
}

function noop() {}

/*
 * A stand-in for Telegram.WebApp with the parts the app uses.  Calls are
 * recorded in window.__tgShim.calls (for tests and debugging).
 */
function makeShim(params) {
	const calls = [];
	const rec = (name) => (...args) => {
		calls.push(typeof args[0] === 'string' ? name + ':' + args[0] : name);
	};
	let theme = {};
	if (params.tgWebAppThemeParams) {
		try { theme = JSON.parse(params.tgWebAppThemeParams) || {}; } catch (e) { theme = {}; }
	}
	const initData = params.tgWebAppData || '';
	const button = () => ({
		text: '', isVisible: false, isActive: true, isProgressVisible: false,
		setText: noop, show: noop, hide: noop, enable: noop, disable: noop,
		showProgress: noop, hideProgress: noop, setParams: noop,
		onClick: noop, offClick: noop,
	});
	const shim = {
		isShim: true,
		initData,
		initDataUnsafe: parseInitData(initData),
		version: params.tgWebAppVersion || '6.0',
		platform: 'unknown',
		colorScheme: null,
		themeParams: theme,
		ready: rec('ready'),
		expand: rec('expand'),
		close: rec('close'),
		isVersionAtLeast: () => false,
		onEvent: noop,
		offEvent: noop,
		MainButton: button(),
		SecondaryButton: button(),
		BackButton: { isVisible: false, show: noop, hide: noop, onClick: noop, offClick: noop },
		HapticFeedback: {
			impactOccurred: rec('impact'),
			notificationOccurred: rec('notification'),
			selectionChanged: rec('selection'),
		},
		openLink(url) { window.open(url, '_blank', 'noopener'); },
		openTelegramLink(url) { window.open(url, '_blank', 'noopener'); },
	};
	window.__tgShim = { calls };
	return shim;
}

/* Load telegram-web-app.js; resolves (never rejects) when done or given up. */
function loadTelegramScript() {
	if (window.Telegram && window.Telegram.WebApp)
		return Promise.resolve(true);
	return new Promise((resolve) => {
		let settled = false;
		const done = (ok) => { if (!settled) { settled = true; resolve(ok); } };
		const s = document.createElement('script');
		s.src = TG_SCRIPT;
		s.async = true;
		s.onload = () => done(!!(window.Telegram && window.Telegram.WebApp));
		s.onerror = () => done(false);
		document.head.appendChild(s);
		setTimeout(() => done(false), TG_SCRIPT_TIMEOUT_MS);
	});
}

function luminance(hex) {
	const m = /^#?([0-9a-f]{6})$/i.exec(hex || '');
	if (!m)
		return null;
	const n = parseInt(m[1], 16);
	const r = (n >> 16) & 255, g = (n >> 8) & 255, b = n & 255;
	return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/* Set the --tg-theme-* variables (Telegram's script does this itself). */
function applyThemeVars(theme) {
	const root = document.documentElement.style;
	for (const [k, v] of Object.entries(theme || {})) {
		if (typeof v === 'string' && /^#[0-9a-f]{3,8}$/i.test(v))
			root.setProperty('--tg-theme-' + k.replace(/_/g, '-'), v);
	}
}

function schemeOf(wa) {
	if (wa.colorScheme === 'dark' || wa.colorScheme === 'light')
		return wa.colorScheme;
	const l = luminance(wa.themeParams && wa.themeParams.bg_color);
	if (l !== null)
		return l < 0.5 ? 'dark' : 'light';
	return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ?
	    'dark' : 'light';
}

/*
 * The bridge the app talks to.  init() resolves once Telegram (or the
 * shim) is ready.
 */
export const tg = {
	wa: null,
	inTelegram: false,
	initData: '',
	user: null,

	async init() {
		const params = hashParams();
		/* Colours from the hash first, so nothing flashes while the
		 * script loads. */
		if (params.tgWebAppThemeParams) {
			try { applyThemeVars(JSON.parse(params.tgWebAppThemeParams)); } catch (e) { /* ignore */ }
		}
		const loaded = await loadTelegramScript();
		let wa = loaded ? window.Telegram.WebApp : null;
		/* The real script in a plain browser has no initData of its own
		 * when the hash was consumed elsewhere; fall back to ours. */
		if (wa && !wa.initData && params.tgWebAppData)
			wa = null;
		if (!wa) {
			wa = makeShim(params);
			window.Telegram = window.Telegram || {};
			if (!window.Telegram.WebApp)
				window.Telegram.WebApp = wa;
			applyThemeVars(wa.themeParams);
		}
		this.wa = wa;
		/* Telegram's script in an ordinary browser reports "unknown". */
		this.inTelegram = !wa.isShim && wa.platform && wa.platform !== 'unknown';
		this.initData = wa.initData || '';
		this.user = (wa.initDataUnsafe && wa.initDataUnsafe.user) || null;
		this.applyScheme();
		try {
			wa.onEvent('themeChanged', () => this.applyScheme());
		} catch (e) { /* ignore */ }
		try { wa.ready(); } catch (e) { /* ignore */ }
		try { wa.expand(); } catch (e) { /* ignore */ }
		if (this.atLeast('7.7') && wa.disableVerticalSwipes) {
			try { wa.disableVerticalSwipes(); } catch (e) { /* ignore */ }
		}
		return this;
	},

	atLeast(v) {
		try { return !!(this.wa && this.wa.isVersionAtLeast && this.wa.isVersionAtLeast(v)); } catch (e) { return false; }
	},

	applyScheme() {
		/* telegram-web-app.js sets these too; the shim and old
		 * clients rely on this. */
		applyThemeVars(this.wa.themeParams);
		const scheme = schemeOf(this.wa);
		document.documentElement.dataset.scheme = scheme;
		if (this.inTelegram && this.atLeast('6.1')) {
			try {
				this.wa.setHeaderColor('bg_color');
				this.wa.setBackgroundColor('bg_color');
				if (this.atLeast('7.10') && this.wa.setBottomBarColor)
					this.wa.setBottomBarColor('bottom_bar_bg_color');
			} catch (e) { /* ignore */ }
		}
	},

	haptic(kind) {
		const h = this.wa && this.wa.HapticFeedback;
		if (!h || (this.inTelegram && !this.atLeast('6.1')))
			return;
		try {
			if (kind === 'success' || kind === 'error' || kind === 'warning')
				h.notificationOccurred(kind);
			else if (kind === 'select')
				h.selectionChanged();
			else
				h.impactOccurred(kind || 'light');
		} catch (e) { /* ignore */ }
	},

	openLink(url) {
		try { this.wa.openLink(url); } catch (e) { window.open(url, '_blank', 'noopener'); }
	},

	openTelegramLink(url) {
		try { this.wa.openTelegramLink(url); } catch (e) { window.open(url, '_blank', 'noopener'); }
	},

	/* Whether invoices (payments in Stars) can be opened here. */
	canPay() {
		return !!(this.wa && typeof this.wa.openInvoice === 'function' &&
		    (this.wa.isShim || this.atLeast('6.1')));
	},

	/*
	 * Open an invoice link; resolves with Telegram's status: "paid",
	 * "cancelled", "failed" or "pending" ("unsupported" outside Telegram).
	 */
	openInvoice(url) {
		if (!this.canPay())
			return Promise.resolve('unsupported');
		return new Promise((resolve) => {
			try {
				this.wa.openInvoice(url, (status) => resolve(status || 'failed'));
			} catch (e) {
				resolve('failed');
			}
		});
	},
};
