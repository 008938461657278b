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

	/* ---- Bot API 7.x-9.x features, each behind isVersionAtLeast ---- */

	/* Whether a feature of Bot API version v can be used: Telegram's
	 * WebApp only (the shim has none of them). */
	can(v) {
		return this.inTelegram && this.atLeast(v);
	},

	/*
	 * The deep link the app was opened with: initData's start_param (a
	 * t.me/...?startapp= link), else ?startapp= of the page's URL (the
	 * bot's web_app buttons).  "" when none.
	 */
	startParam() {
		const u = this.wa && this.wa.initDataUnsafe;
		if (u && typeof u.start_param === 'string' && u.start_param)
			return u.start_param;
		try {
			return new URLSearchParams(window.location.search).get('startapp') || '';
		} catch (e) {
			return '';
		}
	},

	/*
	 * Fullscreen on phones (Bot API 8.0), and the safe areas on every
	 * screen: --safe-top/right/bottom/left hold the device's inset plus
	 * Telegram's own controls' (contentSafeAreaInset), kept up to date
	 * from safeAreaChanged, contentSafeAreaChanged and fullscreenChanged.
	 */
	initLayout() {
		const wa = this.wa;
		const root = document.documentElement;
		root.dataset.fullscreen = '0';
		/* Older clients: the stylesheet's env() and --tg-* insets. */
		if (!this.can('8.0'))
			return;
		const apply = () => {
			const sa = wa.safeAreaInset || {};
			const ca = wa.contentSafeAreaInset || {};
			for (const side of ['top', 'right', 'bottom', 'left']) {
				const v = (Number(sa[side]) || 0) + (Number(ca[side]) || 0);
				root.style.setProperty('--safe-' + side, v + 'px');
			}
			root.dataset.fullscreen = wa.isFullscreen ? '1' : '0';
		};
		apply();
		for (const ev of ['safeAreaChanged', 'contentSafeAreaChanged', 'fullscreenChanged'])
			try { wa.onEvent(ev, apply); } catch (e) { /* ignore */ }
		try { wa.onEvent('fullscreenFailed', apply); } catch (e) { /* ignore */ }
		const mobile = wa.platform === 'ios' || wa.platform === 'android' ||
		    wa.platform === 'android_x';
		if (mobile && !wa.isFullscreen && typeof wa.requestFullscreen === 'function')
			try { wa.requestFullscreen(); } catch (e) { /* ignore */ }
	},

	/*
	 * Telegram's SecondaryButton (7.10): setSecondary({text, onClick}) or
	 * setSecondary(null).  Returns false where there is none (the caller
	 * shows its own button).
	 */
	secondary: { handler: null, wired: false },
	setSecondary(spec) {
		if (!this.can('7.10') || !this.wa.SecondaryButton)
			return false;
		const sb = this.wa.SecondaryButton;
		if (!this.secondary.wired) {
			try { sb.onClick(() => { if (this.secondary.handler) this.secondary.handler(); }); } catch (e) { /* ignore */ }
			this.secondary.wired = true;
		}
		this.secondary.handler = spec ? spec.onClick : null;
		try {
			if (spec)
				sb.setParams({ text: spec.text, is_visible: true, is_active: true, position: 'left' });
			else
				sb.setParams({ is_visible: false });
		} catch (e) {
			return false;
		}
		return true;
	},

	/* Telegram's SettingsButton (7.0) opening onOpen; false where none. */
	initSettingsButton(onOpen) {
		if (!this.can('7.0') || !this.wa.SettingsButton)
			return false;
		try {
			this.wa.SettingsButton.onClick(onOpen);
			this.wa.SettingsButton.show();
		} catch (e) {
			return false;
		}
		return true;
	},

	/* shareToStory (7.8); false where it cannot be used. */
	canStory() {
		return this.can('7.8') && typeof this.wa.shareToStory === 'function';
	},
	shareToStory(mediaUrl, params) {
		if (!this.canStory())
			return false;
		try { this.wa.shareToStory(mediaUrl, params); } catch (e) { return false; }
		return true;
	},

	/* shareMessage (8.0): resolves true when sent, false otherwise. */
	canShareMessage() {
		return this.can('8.0') && typeof this.wa.shareMessage === 'function';
	},
	shareMessage(id) {
		if (!this.canShareMessage())
			return Promise.resolve(false);
		return new Promise((resolve) => {
			try { this.wa.shareMessage(id, (sent) => resolve(!!sent)); } catch (e) { resolve(false); }
		});
	},

	/* downloadFile (8.0): resolves true when the user accepted it,
	 * false when declined, null when the client has no such call. */
	downloadFile(url, fileName) {
		if (!this.can('8.0') || typeof this.wa.downloadFile !== 'function')
			return Promise.resolve(null);
		return new Promise((resolve) => {
			try {
				this.wa.downloadFile({ url, file_name: fileName }, (ok) => resolve(!!ok));
			} catch (e) {
				resolve(null);
			}
		});
	},

	/* CloudStorage (6.9), else this device's localStorage. */
	storageGet(key) {
		const cs = this.can('6.9') && this.wa.CloudStorage;
		if (!cs) {
			try { return Promise.resolve(localStorage.getItem(key)); } catch (e) { return Promise.resolve(null); }
		}
		return new Promise((resolve) => {
			try { cs.getItem(key, (err, v) => resolve(err ? null : (v || null))); } catch (e) { resolve(null); }
		});
	},
	storageSet(key, value) {
		const cs = this.can('6.9') && this.wa.CloudStorage;
		if (!cs) {
			try { localStorage.setItem(key, value); } catch (e) { /* ignore */ }
			return Promise.resolve(true);
		}
		return new Promise((resolve) => {
			try { cs.setItem(key, value, (err, ok) => resolve(!err && !!ok)); } catch (e) { resolve(false); }
		});
	},

	/*
	 * Offer the home-screen shortcut (8.0) when Telegram says it is not
	 * there yet.  Resolves true when offered.
	 */
	offerHomeScreen() {
		const wa = this.wa;
		if (!this.can('8.0') || typeof wa.addToHomeScreen !== 'function' ||
		    typeof wa.checkHomeScreenStatus !== 'function')
			return Promise.resolve(false);
		return new Promise((resolve) => {
			try {
				wa.checkHomeScreenStatus((status) => {
					if (status === 'missed' || status === 'unknown') {
						try { wa.addToHomeScreen(); } catch (e) { resolve(false); return; }
						resolve(true);
					} else
						resolve(false);
				});
			} catch (e) {
				resolve(false);
			}
		});
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
