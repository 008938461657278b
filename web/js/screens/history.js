/*
 * History: earlier try-ons and animations, newest first, with "show
 * more" pages.  A row opens its try-on (and the animation under it).
 */
import { api } from '../api.js';
import { t, dateTime } from '../i18n.js';
import { h, put, icon, img, notice } from '../dom.js';
import { state, nav, setMain, registerScreen, getOutfit, errorText } from '../core.js';

function historyScreen(params) {
	const el = h('div', { class: 'history', testid: 'screen-history' });
	let tab = params.tab === 'animations' ? 'animations' : 'tryons';
	let destroyed = false;
	const lists = { tryons: null, animations: null };
	const cursors = { tryons: null, animations: null };

	const tabs = h('div', { class: 'segmented', role: 'tablist' });
	const body = h('div', { class: 'history-list' });
	el.append(tabs, body);

	function renderTabs() {
		put(tabs, ...['tryons', 'animations'].map((k) => h('button', {
			class: 'seg' + (k === tab ? ' seg-on' : ''), type: 'button', role: 'tab',
			'aria-selected': k === tab ? 'true' : 'false', testid: 'tab-' + k,
			onclick: () => { if (tab !== k) { tab = k; params.tab = k; renderTabs(); show(); } },
		}, t(k === 'tryons' ? 'tab_tryons' : 'tab_animations'))));
	}

	function chip(job) {
		const cls = job.status === 'COMPLETED' ? 'ok' : job.status === 'FAILED' ? 'bad' : 'run';
		return h('span', { class: 'status-chip chip-' + cls, text: job.status_text || job.status });
	}

	function row(job) {
		const isAnim = job.kind === 'animation';
		const r = job.result || {};
		const thumb = isAnim ? (r.preview_url || null) : (r.thumbnail_url || r.url || null);
		const title = h('div', { class: 'row-title', text: isAnim ? t('animation_of', { id: job.tryon_id }) : t('tryon_n', { id: job.id }) });
		if (!isAnim && job.outfit_id) {
			getOutfit(job.outfit_id).then((o) => { title.textContent = o.title; }).catch(() => {});
		}
		const pic = thumb ? img(thumb, '', 'row-thumb') :
		    h('div', { class: 'img row-thumb row-thumb-empty' }, icon(job.status === 'FAILED' ? 'alert' : isAnim ? 'sparkle' : 'shirt'));
		if (isAnim && job.status === 'COMPLETED')
			pic.append(h('span', { class: 'play-badge' }, icon('play')));
		return h('button', {
			class: 'history-row', type: 'button', testid: isAnim ? 'history-animation' : 'history-tryon',
			'data-job-id': job.id, 'data-status': job.status,
			onclick: () => nav.go('tryon', { id: isAnim ? job.tryon_id : job.id }),
		}, pic, h('div', { class: 'row-main' }, title,
		    h('div', { class: 'row-sub' }, chip(job), h('span', { text: dateTime(job.created_at) }))),
		    icon('back', 'chev'));
	}

	function show() {
		const items = lists[tab];
		if (items === null) {
			put(body, ...[0, 1, 2, 3].map(() => h('div', { class: 'history-row skeleton' })));
			load(false);
			return;
		}
		if (!items.length) {
			put(body, h('div', { class: 'empty', testid: 'history-empty' },
			    icon(tab === 'tryons' ? 'shirt' : 'sparkle', 'empty-icon'),
			    h('p', { text: t(tab === 'tryons' ? 'history_empty' : 'history_empty_anim') }),
			    h('button', { class: 'btn btn-primary', type: 'button', onclick: () => nav.home() }, t('make_tryon'))));
			return;
		}
		const rows = items.map(row);
		if (cursors[tab])
			rows.push(h('button', { class: 'btn btn-plain more', type: 'button', testid: 'history-more',
			    onclick: () => load(true) }, t('more')));
		put(body, ...rows);
	}

	async function load(more) {
		const which = tab;
		try {
			const d = await (which === 'tryons' ? api.tryons(more ? cursors[which] : null) :
			    api.animations(more ? cursors[which] : null));
			if (destroyed)
				return;
			lists[which] = more ? lists[which].concat(d.items || []) : (d.items || []);
			cursors[which] = d.next_cursor || null;
			if (!more) {
				if (which === 'tryons')
					state.tryons = d.items || [];
				else
					state.animations = d.items || [];
			}
			if (tab === which)
				show();
		} catch (e) {
			if (destroyed || tab !== which)
				return;
			put(body, notice('error', t('err_title'), errorText(e), [
			    h('button', { class: 'btn btn-primary', type: 'button', onclick: () => { show(); } }, icon('refresh'), t('retry'))]));
		}
	}

	return {
		title: t('title_history'),
		el,
		mount() {
			renderTabs();
			show();
			setMain({ text: t('mb_new'), onClick: () => nav.home() });
		},
		destroy() { destroyed = true; },
	};
}

registerScreen('history', historyScreen);
