/*
 * Settings: the app's language and the bot's messages when a try-on or
 * animation is ready.  Opened from Telegram's SettingsButton (the ⋯
 * menu) or, where there is none, from the gear in the top bar.
 *
 * Deleting one's photos, results or account belongs here too; those
 * entries appear once the API has the erase endpoints (DELETE /me).
 */
import { api, setLanguage } from '../api.js';
import { tg } from '../tg.js';
import { t, setLang, pickLang } from '../i18n.js';
import { h, put, notice, toast } from '../dom.js';
import { state, nav, registerScreen, errorText, setTitle } from '../core.js';

/* Where the chosen language is kept (CloudStorage, else this device). */
export const LANG_KEY = 'language';

/* Apply a language choice ("auto", "ru", "en") to the app. */
export function applyLanguage(choice) {
	setLanguage(choice);
	if (choice === 'ru' || choice === 'en')
		setLang(choice);
	else
		setLang(pickLang((tg.user && tg.user.language_code) || navigator.language));
}

function settingsScreen() {
	const el = h('div', { class: 'settings', testid: 'screen-settings' });
	let s = null;
	let busy = false;
	let destroyed = false;

	async function change(body) {
		if (busy)
			return;
		busy = true;
		try {
			s = await api.updateSettings(body);
			tg.haptic('select');
			if (body.language !== undefined) {
				applyLanguage(s.language);
				await tg.storageSet(LANG_KEY, s.language);
				setTitle(t('title_settings'));
			}
		} catch (e) {
			tg.haptic('error');
			toast(errorText(e), 'error');
		}
		busy = false;
		if (!destroyed)
			render();
	}

	function langRow(value, label) {
		return h('label', { class: 'choice', testid: 'lang-' + value },
		    h('input', { type: 'radio', name: 'lang', value, checked: s.language === value,
			onchange: () => change({ language: value }) }),
		    h('span', { text: label }));
	}

	function render() {
		if (!s) {
			put(el, h('div', { class: 'card skeleton tall' }));
			return;
		}
		const toggle = h('input', { type: 'checkbox', class: 'switch', testid: 'notify-toggle',
		    checked: s.notifications, 'aria-label': t('set_notify'),
		    onchange: (e) => change({ notifications: e.target.checked }) });
		let note = null;
		if (s.bot_blocked)
			note = t('set_notify_blocked');
		else if (!s.bot_can_write)
			note = t('set_notify_start');
		put(el,
		    h('section', { class: 'card settings-card', testid: 'settings-language' },
			h('h2', { class: 'settings-head', text: t('set_language') }),
			h('div', { class: 'choices' },
			    langRow('auto', t('set_lang_auto')), langRow('ru', 'Русский'), langRow('en', 'English'))),
		    h('section', { class: 'card settings-card', testid: 'settings-notify' },
			h('label', { class: 'switch-row' },
			    h('div', null, h('div', { class: 'settings-head', text: t('set_notify') }),
				h('div', { class: 'hint', text: t('set_notify_text') })),
			    toggle),
			note ? h('p', { class: 'hint settings-note', testid: 'notify-note', text: note }) : null));
	}

	return {
		title: t('title_settings'),
		el,
		mount() {
			render();
			api.settings().then((v) => { s = v; if (!destroyed) render(); }).catch((e) => {
				if (!destroyed)
					put(el, notice('error', t('err_title'), errorText(e), null));
			});
		},
		destroy() {
			destroyed = true;
		},
	};
}

registerScreen('settings', settingsScreen);
export { state, nav };
