/*
 * primerka Mini App: boot.  Telegram (or the shim) first, then who the
 * user is (GET /me: language, balance, prices), then the home screen.
 */
import { tg } from './tg.js';
import { setInitData } from './api.js';
import { setLang, pickLang, t } from './i18n.js';
import { h, icon, notice } from './dom.js';
import { state, nav, setMain, initChrome, refreshMe, loadSelection, loadCloudSelection, errorText, registerScreen } from './core.js';
import { parseStartParam } from './deeplink.js';
import { applyLanguage, LANG_KEY } from './screens/settings.js';
import { api } from './api.js';
import './screens/home.js';
import './screens/outfit.js';
import './screens/tryon.js';
import './screens/history.js';
import './screens/topup.js';
import './screens/settings.js';

function noInitScreen() {
	return {
		title: 'primerka',
		el: h('div', { class: 'center-page', testid: 'screen-noinit' },
		    h('div', { class: 'big-icon' }, icon('shirt')),
		    h('h1', { text: t('no_init_title') }),
		    h('p', { text: t('no_init_text') }),
		    h('p', { class: 'hint', text: t('no_init_dev') })),
	};
}

function fatalScreen(params) {
	return {
		title: 'primerka',
		el: h('div', { class: 'center-page', testid: 'screen-error' },
		    notice('error', t('err_title'), params.message, [
			h('button', { class: 'btn btn-primary', type: 'button', testid: 'retry',
			    onclick: () => boot() }, icon('refresh'), t('retry')),
			params.auth && tg.inTelegram ? h('button', { class: 'btn btn-plain', type: 'button',
			    onclick: () => tg.wa.close() }, t('close')) : null])),
	};
}

registerScreen('noinit', noInitScreen);
registerScreen('fatal', fatalScreen);

async function boot() {
	try {
		await refreshMe();
	} catch (e) {
		nav.reset('fatal', { message: errorText(e), auth: e.status === 401 });
		return;
	}
	if (state.me.language)
		setLang(state.me.language);
	const chosen = await tg.storageGet(LANG_KEY);
	if (chosen === 'ru' || chosen === 'en')
		applyLanguage(chosen);
	loadSelection();
	await loadCloudSelection();
	nav.reset('home');
	await openDeepLink(tg.startParam());
}

/*
 * Open what the link names: a try-on or animation of the user's own (the
 * bot's button), else an outfit (a shared result, a shop's link).
 */
async function openDeepLink(sp) {
	const d = parseStartParam(sp);
	if (!d)
		return;
	document.body.dataset.startapp = sp;
	if (d.shop) {
		state.shopId = d.shop;
		if (nav.current() === 'home' && !d.outfit && !d.tryon && !d.animation)
			nav.reset('home');
	}
	try {
		if (d.tryon) {
			nav.go('tryon', { id: d.tryon });
		} else if (d.animation) {
			const a = await api.animation(d.animation);
			nav.go('tryon', { id: a.tryon_id });
		} else if (d.outfit) {
			nav.go('outfit', { id: d.outfit });
		}
	} catch (e) {
		/* Not the user's, or gone: stay home. */
	}
}

async function main() {
	await tg.init();
	setLang(pickLang((tg.user && tg.user.language_code) || navigator.language));
	tg.initLayout();
	initChrome();
	window.__primerka = { state, nav, tg };
	if (!tg.initData) {
		setLang(pickLang(navigator.language));
		nav.reset('noinit');
		setMain(null);
		return;
	}
	setInitData(tg.initData);
	await boot();
}

main();
