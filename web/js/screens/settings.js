/*
 * Settings: your data.  "Delete my data" erases every photo, try-on,
 * animation and event of yours (DELETE /me) after a confirmation; the
 * token balance stays.
 */
import { api } from '../api.js';
import { tg } from '../tg.js';
import { t } from '../i18n.js';
import { h, icon, toast, confirmSheet } from '../dom.js';
import { state, nav, setMain, registerScreen, errorText, refreshMe } from '../core.js';

function settingsScreen() {
	let busy = false;
	const erase = h('button', { class: 'btn btn-danger', type: 'button', testid: 'erase-me',
	    onclick: () => eraseAll() }, icon('trash'), t('erase_me'));
	const el = h('div', { class: 'settings', testid: 'screen-settings' },
	    h('h2', { text: t('your_data') }),
	    h('p', { text: t('erase_me_text') }),
	    erase);

	async function eraseAll() {
		if (busy)
			return;
		const ok = await confirmSheet(t('erase_me_q'), t('erase_me_confirm'), t('delete'), true);
		if (!ok)
			return;
		busy = true;
		erase.disabled = true;
		try {
			await api.deleteMe();
		} catch (e) {
			toast(errorText(e), 'error');
			tg.haptic('error');
			busy = false;
			erase.disabled = false;
			return;
		}
		state.photos = [];
		state.tryons = [];
		state.animations = [];
		state.sel.photoId = null;
		toast(t('erased'), 'ok');
		tg.haptic('success');
		await refreshMe().catch(() => {});
		nav.reset('home');
	}

	return {
		title: t('title_settings'),
		el,
		mount() { setMain(null); },
	};
}

registerScreen('settings', settingsScreen);
