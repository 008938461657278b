/*
 * One outfit: picture, shop, price, description, the shop's link (a
 * click event is recorded first) and "try this outfit on".
 */
import { tg } from '../tg.js';
import { t, price as fmtPrice } from '../i18n.js';
import { h, put, icon, img, notice } from '../dom.js';
import { outfitViewed, outfitClicked } from '../events.js';
import { state, nav, setMain, registerScreen, getOutfit, saveSelection, errorText } from '../core.js';

const CATEGORY = {
	en: { tops: 'Tops', bottoms: 'Bottoms', 'one-pieces': 'One-pieces' },
	ru: { tops: 'Верх', bottoms: 'Низ', 'one-pieces': 'Цельный образ' },
};

/* Open the shop's page for an outfit, recording the click. */
export function openShop(o) {
	if (!o || !o.product_url)
		return;
	outfitClicked(o.id);
	tg.haptic('light');
	tg.openLink(o.product_url);
}

function outfitScreen(params) {
	const el = h('div', { class: 'outfit-page', testid: 'screen-outfit' });
	let destroyed = false;

	function render(o) {
		const lang = document.documentElement.lang === 'ru' ? 'ru' : 'en';
		put(el,
		    img(o.image_url, o.title, 'outfit-hero'),
		    h('section', { class: 'card outfit-info' },
			h('div', { class: 'outfit-top' },
			    h('h1', { class: 'outfit-name', text: o.title }),
			    h('div', { class: 'outfit-cost', testid: 'outfit-price', text: fmtPrice(o.price, o.currency) })),
			h('div', { class: 'outfit-tags' },
			    h('span', { class: 'tag' }, icon('bag'), o.shop_name),
			    o.category ? h('span', { class: 'tag', text: (CATEGORY[lang] || {})[o.category] || o.category }) : null),
			o.description ? h('p', { class: 'outfit-desc', text: o.description }) : null,
			o.product_url ? h('a', {
				class: 'btn btn-secondary buy', href: o.product_url, target: '_blank', rel: 'noopener',
				testid: 'buy-link',
				onclick: (e) => { e.preventDefault(); openShop(o); },
			}, icon('external'), t('buy')) : null));
		setMain({
			text: t('mb_try_this'),
			onClick: () => {
				state.sel.outfitId = o.id;
				saveSelection();
				tg.haptic('select');
				nav.home();
			},
		});
	}

	async function load() {
		try {
			const o = await getOutfit(params.id);
			if (destroyed)
				return;
			outfitViewed(o.id);
			render(o);
		} catch (e) {
			if (destroyed)
				return;
			put(el, notice('error', t('err_title'), errorText(e), [
			    h('button', { class: 'btn btn-primary', type: 'button', onclick: () => nav.back() }, t('back'))]));
			setMain({ text: t('home'), onClick: () => nav.home() });
		}
	}

	return {
		title: t('title_outfit'),
		el,
		mount() {
			el.append(h('div', { class: 'img outfit-hero skeleton' }));
			load();
		},
		destroy() { destroyed = true; },
	};
}

registerScreen('outfit', outfitScreen);
