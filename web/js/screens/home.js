/*
 * Home: choose or take a photo (with its quality verdict), an outfit and
 * optionally a place, see the price and the balance, start a try-on with
 * the main button.
 */
import { api, newKey } from '../api.js';
import { tg, parseInitData } from '../tg.js';
import { t, tokens, price as fmtPrice, qcReason, getLang } from '../i18n.js';
import { h, put, icon, img, toast, confirmSheet, notice } from '../dom.js';
import { downscale } from '../media.js';
import { observeOutfit } from '../events.js';
import {
	state, nav, setMain, registerScreen, refreshMe, loadPhotos, loadCatalog,
	loadJobs, saveSelection, available, price, errorText, rememberJob,
} from '../core.js';

const PHOTO_POLL_MS = [1000, 2000, 4000, 8000];
const PHOTO_POLL_MAX = 10;

/* Photos whose verdict did not come while we watched (checked later, by the try-on). */
const gaveUp = new Set();

/* {state: pending|accepted|rejected, reasons: [text]} of a photo. */
export function verdictOf(p) {
	const q = p.quality && typeof p.quality === 'object' ? p.quality : null;
	let st = p.status;
	if (st !== 'accepted' && st !== 'rejected')
		st = 'pending';
	const reasons = [];
	const lang = getLang();
	const text = (r) => {
		if (!r)
			return null;
		if (typeof r === 'string')
			return qcReason(r) || r;
		if (r.message && typeof r.message === 'object')
			return r.message[lang] || r.message.en || qcReason(r.code) || r.code;
		if (typeof r.message === 'string')
			return r.message;
		return qcReason(r.code) || r.code || null;
	};
	if (q) {
		if (Array.isArray(q.reasons))
			for (const r of q.reasons) {
				const s = text(r);
				if (s && !reasons.includes(s))
					reasons.push(s);
			}
		else if (q.reason || q.message)
			reasons.push(text(q.reason ? { code: q.reason, message: q.message } : { message: q.message }));
		if (st === 'pending' && (q.verdict === 'reject' || q.verdict === 'rejected'))
			st = 'rejected';
		if (st === 'pending' && (q.verdict === 'accept' || q.verdict === 'accepted'))
			st = 'accepted';
	}
	return { state: st, reasons: reasons.filter(Boolean) };
}

function stepHead(n, title, sub, done, extra) {
	return h('div', { class: 'step-head' },
	    h('div', { class: 'step-num' + (done ? ' step-done' : '') }, done ? icon('check') : String(n)),
	    h('div', { class: 'step-titles' },
		h('div', { class: 'step-title', text: title }),
		sub ? h('div', { class: 'step-sub', text: sub }) : null),
	    extra || null);
}

function homeScreen() {
	const el = h('div', { class: 'home', testid: 'screen-home' });
	const pollers = new Map();	/* photo id -> timer */
	let destroyed = false;
	let busy = false;
	let actionKey = null;		/* Idempotency-Key of the pending press */
	let uploads = [];		/* {tmp, url, label} */
	let photoError = null;		/* message of the last failed upload */
	let loadError = null;

	const hero = h('section', { class: 'hero' });
	const active = h('div', { class: 'active-jobs' });
	const photoCard = h('section', { class: 'card step', testid: 'step-photo' });
	const outfitCard = h('section', { class: 'card step', testid: 'step-outfit' });
	const locCard = h('section', { class: 'card step', testid: 'step-location' });
	const cost = h('div', { class: 'cost', testid: 'cost' });
	const links = h('div', { class: 'links' });
	el.append(hero, active, photoCard, outfitCard, locCard, cost, links);

	const galleryInput = h('input', { type: 'file', accept: 'image/*', hidden: true, testid: 'file-gallery' });
	const cameraInput = h('input', { type: 'file', accept: 'image/*', capture: 'user', hidden: true, testid: 'file-camera' });
	galleryInput.addEventListener('change', () => onFiles(galleryInput));
	cameraInput.addEventListener('change', () => onFiles(cameraInput));
	el.append(galleryInput, cameraInput);

	const selectedPhoto = () => state.photos.find((p) => p.id === state.sel.photoId) || null;
	const selectedOutfit = () => state.outfits.find((o) => o.id === state.sel.outfitId) || null;

	function fixSelection() {
		if (!selectedPhoto()) {
			const ok = state.photos.find((p) => verdictOf(p).state !== 'rejected');
			state.sel.photoId = ok ? ok.id : null;
		}
		if (state.catalogLoaded) {
			if (!selectedOutfit())
				state.sel.outfitId = state.outfits.length ? state.outfits[0].id : null;
			if (state.sel.locationId && !state.locations.some((l) => l.id === state.sel.locationId))
				state.sel.locationId = null;
		}
		saveSelection();
	}

	/* ---- hero ---- */
	function renderHero() {
		const user = tg.user || parseInitData(tg.initData).user || null;
		const name = (state.me && state.me.first_name) || (user && user.first_name) || '';
		put(hero,
		    h('h1', { class: 'hero-title', text: name ? t('hello', { name }) : t('hello_anon') }),
		    h('p', { class: 'hero-text', text: t('tagline') }));
	}

	function renderActive() {
		const items = [];
		const run = (j) => j.status !== 'COMPLETED' && j.status !== 'FAILED';
		const tr = state.tryons.find(run);
		const an = state.animations.find(run);
		for (const [j, label] of [[tr, t('in_progress')], [an, t('anim_in_progress')]]) {
			if (!j)
				continue;
			items.push(h('button', {
				class: 'active-job', type: 'button', testid: 'active-job',
				onclick: () => nav.go('tryon', { id: j.kind === 'animation' ? j.tryon_id : j.id }),
			}, h('span', { class: 'pulse' }),
			    h('span', { class: 'active-job-text' },
				h('b', { text: label }), ' · ', j.status_text || ''),
			    h('span', { class: 'active-job-open', text: t('open') })));
		}
		put(active, ...items);
	}

	/* ---- step 1: photo ---- */
	function photoTile(p) {
		const v = verdictOf(p);
		const badge = v.state === 'accepted' ? icon('check', 'badge badge-ok') :
		    v.state === 'rejected' ? icon('alert', 'badge badge-bad') :
		    h('span', { class: 'badge badge-wait' }, h('span', { class: 'dot-spin' }));
		return h('button', {
			class: 'photo-tile' + (p.id === state.sel.photoId ? ' selected' : '') + ' v-' + v.state,
			type: 'button', testid: 'photo-tile', 'data-photo-id': p.id, 'data-verdict': v.state,
			'aria-pressed': p.id === state.sel.photoId ? 'true' : 'false',
			onclick: () => selectPhoto(p.id),
		}, img(p.url, '', 'photo-img'), badge);
	}

	function renderPhoto() {
		const photo = selectedPhoto();
		const strip = h('div', { class: 'strip', testid: 'photo-strip' });
		const tiles = [];
		for (const u of uploads)
			tiles.push(h('div', { class: 'photo-tile uploading', testid: 'photo-uploading' },
			    u.url ? img(u.url, '', 'photo-img') : null,
			    h('div', { class: 'upload-veil' }, h('div', { class: 'spinner spinner-light' }),
				h('span', { text: u.label }))));
		for (const p of state.photos)
			tiles.push(photoTile(p));
		strip.append(...tiles);

		const actions = h('div', { class: 'step-actions' },
		    h('button', { class: 'chip-btn', type: 'button', testid: 'btn-gallery', onclick: () => galleryInput.click() },
			icon('gallery'), t('gallery')),
		    h('button', { class: 'chip-btn', type: 'button', testid: 'btn-camera', onclick: () => cameraInput.click() },
			icon('camera'), t('camera')));

		let verdict = null;
		if (photo) {
			const v = verdictOf(photo);
			const text = v.state === 'accepted' ? t('photo_accepted') :
			    v.state === 'rejected' ? t('photo_rejected') :
			    gaveUp.has(photo.id) ? t('photo_pending_later') : t('photo_pending');
			verdict = h('div', { class: 'verdict verdict-' + v.state, testid: 'photo-verdict', 'data-verdict': v.state },
			    v.state === 'pending' ? (gaveUp.has(photo.id) ? icon('clock', 'verdict-icon') : h('span', { class: 'dot-spin' })) :
				icon(v.state === 'accepted' ? 'check' : 'alert', 'verdict-icon'),
			    h('div', { class: 'verdict-body' },
				h('div', { class: 'verdict-title', text }),
				v.state === 'rejected' ? h('div', { class: 'verdict-reasons', testid: 'photo-reasons' },
				    (v.reasons.length ? v.reasons : [t('photo_rejected_hint')]).map((r) => h('div', { text: r }))) : null),
			    h('button', { class: 'icon-btn verdict-delete', type: 'button', testid: 'photo-delete',
				title: t('photo_delete'), 'aria-label': t('photo_delete'), onclick: () => deletePhoto(photo.id) },
				icon('trash')));
		}
		const err = photoError ? notice('error', null, photoError, null) : null;
		if (err)
			err.setAttribute('data-testid', 'photo-error');
		const empty = !state.photos.length && !uploads.length ?
		    h('p', { class: 'step-note', text: t('photos_empty') }) : null;

		const keep = photoCard.querySelector('.strip');
		const scroll = keep ? keep.scrollLeft : 0;
		put(photoCard,
		    stepHead(1, t('step_photo'), t('photo_hint'), !!photo && verdictOf(photo).state !== 'rejected', null),
		    actions, empty || strip, err, verdict);
		strip.scrollLeft = scroll;
	}

	function selectPhoto(id) {
		if (state.sel.photoId === id)
			return;
		state.sel.photoId = id;
		actionKey = null;
		photoError = null;
		saveSelection();
		tg.haptic('select');
		renderPhoto();
		updateMain();
		const p = selectedPhoto();
		if (p && verdictOf(p).state === 'pending')
			watchPhoto(p.id, 2);
	}

	async function onFiles(input) {
		const files = Array.from(input.files || []);
		input.value = '';
		for (const f of files.slice(0, 5))
			await uploadFile(f);
	}

	async function uploadFile(file) {
		const u = { tmp: newKey(), url: null, label: t('preparing') };
		uploads.unshift(u);
		photoError = null;
		renderPhoto();
		let shrunk;
		try {
			shrunk = await downscale(file);
		} catch (e) {
			uploads = uploads.filter((x) => x !== u);
			photoError = t('photo_unreadable');
			tg.haptic('error');
			if (!destroyed) { renderPhoto(); updateMain(); }
			return;
		}
		u.url = URL.createObjectURL(shrunk.blob);
		u.label = t('uploading');
		if (!destroyed)
			renderPhoto();
		try {
			const p = await api.uploadPhoto(shrunk.blob);
			state.photos = [p, ...state.photos.filter((x) => x.id !== p.id)];
			state.sel.photoId = p.id;
			actionKey = null;
			saveSelection();
			tg.haptic('success');
			toast(t('photo_uploaded'), 'ok');
			if (verdictOf(p).state === 'pending')
				watchPhoto(p.id, 0);
		} catch (e) {
			photoError = errorText(e);
			tg.haptic('error');
		} finally {
			uploads = uploads.filter((x) => x !== u);
			setTimeout(() => URL.revokeObjectURL(u.url), 5000);
		}
		if (!destroyed) {
			renderPhoto();
			updateMain();
		}
	}

	/* Poll a pending photo until its quality verdict shows up. */
	function watchPhoto(id, n) {
		if (destroyed || pollers.has(id) || gaveUp.has(id))
			return;
		if (n >= PHOTO_POLL_MAX) {
			gaveUp.add(id);
			renderPhoto();
			return;
		}
		const delay = PHOTO_POLL_MS[Math.min(n, PHOTO_POLL_MS.length - 1)];
		pollers.set(id, setTimeout(async () => {
			pollers.delete(id);
			if (destroyed)
				return;
			try {
				const p = await api.photo(id);
				const i = state.photos.findIndex((x) => x.id === id);
				if (i < 0)
					return;
				state.photos[i] = p;
				const v = verdictOf(p);
				if (v.state !== 'pending') {
					tg.haptic(v.state === 'accepted' ? 'success' : 'error');
					renderPhoto();
					updateMain();
					return;
				}
			} catch (e) {
				if (e.status === 404)
					return;
			}
			watchPhoto(id, n + 1);
		}, delay));
	}

	async function deletePhoto(id) {
		const ok = await confirmSheet(t('photo_delete_q'), t('photo_delete_text'), t('delete'), true);
		if (!ok || destroyed)
			return;
		try {
			await api.deletePhoto(id);
		} catch (e) {
			if (e.status !== 404) {
				toast(errorText(e), 'error');
				tg.haptic('error');
				return;
			}
		}
		state.photos = state.photos.filter((p) => p.id !== id);
		if (state.sel.photoId === id)
			state.sel.photoId = null;
		actionKey = null;
		fixSelection();
		toast(t('photo_deleted'));
		renderPhoto();
		updateMain();
	}

	/* ---- step 2: outfit ---- */
	function renderOutfits() {
		const o = selectedOutfit();
		const strip = h('div', { class: 'strip', testid: 'outfit-strip' });
		if (!state.catalogLoaded) {
			strip.append(...[0, 1, 2].map(() => h('div', { class: 'outfit-card skeleton' })));
		} else {
			/* A shop's link (startapp s<id>) shows that shop's outfits. */
			const shown = state.shopId ? state.outfits.filter((x) => x.shop_id === state.shopId) : state.outfits;
			for (const it of shown.length ? shown : state.outfits) {
				const card = h('div', {
					class: 'outfit-card' + (it.id === state.sel.outfitId ? ' selected' : ''),
					testid: 'outfit-card', 'data-outfit-id': it.id, role: 'button', tabindex: '0',
					'aria-pressed': it.id === state.sel.outfitId ? 'true' : 'false',
					onclick: () => selectOutfit(it.id),
					onkeydown: (e) => { if (e.key === 'Enter') selectOutfit(it.id); },
				}, img(it.image_url, it.title, 'outfit-img'),
				    h('div', { class: 'outfit-meta' },
					h('div', { class: 'outfit-title', text: it.title }),
					h('div', { class: 'outfit-shop', text: it.shop_name }),
					h('div', { class: 'outfit-price', text: fmtPrice(it.price, it.currency) })),
				    h('button', { class: 'info-btn', type: 'button', testid: 'outfit-info',
					'aria-label': t('details'), onclick: (e) => { e.stopPropagation(); nav.go('outfit', { id: it.id }); } },
					icon('info')));
				strip.append(card);
				observeOutfit(card);
			}
		}
		const keep = outfitCard.querySelector('.strip');
		const scroll = keep ? keep.scrollLeft : 0;
		const details = o ? h('button', { class: 'link-btn', type: 'button', testid: 'outfit-details',
		    onclick: () => nav.go('outfit', { id: o.id }) }, t('details'), icon('back', 'chev')) : null;
		const shop = state.shopId && state.outfits.find((x) => x.shop_id === state.shopId);
		const filter = shop ? h('button', { class: 'chip shop-chip', type: 'button', testid: 'shop-filter',
		    'data-shop-id': String(state.shopId), onclick: () => { state.shopId = null; renderOutfits(); } },
		    shop.shop_name, icon('close')) : null;
		put(outfitCard,
		    stepHead(2, t('step_outfit'), o ? o.title : null, !!o, details), filter,
		    state.catalogLoaded && !state.outfits.length ? h('p', { class: 'step-note', text: t('outfits_empty') }) : strip);
		strip.scrollLeft = scroll;
	}

	function selectOutfit(id) {
		if (state.sel.outfitId === id)
			return;
		state.sel.outfitId = id;
		actionKey = null;
		saveSelection();
		tg.haptic('select');
		renderOutfits();
		updateMain();
	}

	/* ---- step 3: location ---- */
	function renderLocations() {
		const strip = h('div', { class: 'strip', testid: 'location-strip' });
		if (!state.catalogLoaded) {
			strip.append(...[0, 1, 2].map(() => h('div', { class: 'loc-card skeleton' })));
		} else {
			const studio = h('button', {
				class: 'loc-card studio' + (state.sel.locationId === null ? ' selected' : ''),
				type: 'button', testid: 'location-card', 'data-location-id': '0',
				onclick: () => selectLocation(null),
			}, h('div', { class: 'img loc-img studio-img' }, icon('studio')),
			    h('div', { class: 'loc-title', text: t('studio') }));
			strip.append(studio);
			for (const l of state.locations)
				strip.append(h('button', {
					class: 'loc-card' + (l.id === state.sel.locationId ? ' selected' : ''),
					type: 'button', testid: 'location-card', 'data-location-id': l.id,
					title: l.description || '',
					onclick: () => selectLocation(l.id),
				}, img(l.image_url, l.title, 'loc-img'), h('div', { class: 'loc-title', text: l.title })));
		}
		const loc = state.locations.find((l) => l.id === state.sel.locationId);
		const keep = locCard.querySelector('.strip');
		const scroll = keep ? keep.scrollLeft : 0;
		put(locCard,
		    stepHead(3, t('step_location'), loc ? loc.title : t('optional'), !!loc, null), strip);
		strip.scrollLeft = scroll;
	}

	function selectLocation(id) {
		if (state.sel.locationId === id)
			return;
		state.sel.locationId = id;
		actionKey = null;
		saveSelection();
		tg.haptic('select');
		renderLocations();
	}

	/* ---- price, balance, main button ---- */
	function renderCost() {
		if (!state.me) {
			put(cost);
			return;
		}
		const need = price('tryon');
		const have = available();
		if (have < need) {
			put(cost, notice('warn', t('mb_short'),
			    t('tokens_short', { cost: tokens(need), available: tokens(have) }), [
			    h('button', { class: 'btn btn-primary', type: 'button', testid: 'topup-open',
				onclick: () => nav.go('topup') }, icon('token'), t('topup'))]));
			cost.firstChild.setAttribute('data-testid', 'tokens-short');
		} else {
			put(cost, h('div', { class: 'cost-line', testid: 'cost-line' }, icon('token'),
			    h('span', { text: t('cost_line', { cost: tokens(need), available: tokens(have) }) })));
		}
	}

	function renderLinks() {
		put(links, h('button', { class: 'row-link', type: 'button', testid: 'open-history',
		    onclick: () => nav.go('history') }, icon('history', 'row-icon'),
		    h('span', { class: 'row-text' }, h('b', { text: t('history') }), h('small', { text: t('history_link') })),
		    icon('back', 'chev')));
	}

	function updateMain() {
		if (destroyed)
			return;
		renderCost();
		const photo = selectedPhoto();
		const need = price('tryon');
		if (busy) {
			setMain({ text: t('mb_tryon', { cost: tokens(need) }), progress: true });
		} else if (!photo) {
			setMain({ text: t('mb_choose_photo'), enabled: false });
		} else if (verdictOf(photo).state === 'rejected') {
			setMain({ text: t('mb_bad_photo'), enabled: false });
		} else if (!selectedOutfit()) {
			setMain({ text: t('mb_choose_outfit'), enabled: false });
		} else if (available() < need) {
			setMain({ text: t('mb_short'), enabled: false });
		} else {
			setMain({ text: t('mb_tryon', { cost: tokens(need) }), onClick: startTryon });
		}
	}

	async function startTryon() {
		const photo = selectedPhoto();
		const outfit = selectedOutfit();
		if (busy || !photo || !outfit)
			return;
		busy = true;
		if (!actionKey)
			actionKey = newKey();
		updateMain();
		const body = { user_photo_id: photo.id, outfit_id: outfit.id };
		if (state.sel.locationId)
			body.location_id = state.sel.locationId;
		try {
			const job = await api.createTryon(body, actionKey);
			actionKey = null;
			rememberJob(job);
			busy = false;
			refreshMe().catch(() => {});
			if (!destroyed)
				nav.go('tryon', { id: job.id, job });
			return;
		} catch (e) {
			tg.haptic('error');
			if (e.status === 402) {
				actionKey = null;
				await refreshMe().catch(() => {});
			} else if (e.status === 404 || e.status === 409) {
				actionKey = null;
				if (e.code === 'photo_not_found')
					await loadPhotos().then(fixSelection).catch(() => {});
				else
					await loadCatalog().then(fixSelection).catch(() => {});
			} else if (e.status >= 400 && e.status < 500) {
				actionKey = null;
			}
			toast(errorText(e), 'error');
		}
		busy = false;
		if (!destroyed) {
			renderPhoto();
			renderOutfits();
			renderLocations();
			updateMain();
		}
	}

	function renderAll() {
		renderHero();
		renderActive();
		renderPhoto();
		renderOutfits();
		renderLocations();
		renderLinks();
		updateMain();
	}

	async function load() {
		loadError = null;
		try {
			await Promise.all([
				state.photosLoaded ? loadPhotos().catch(() => {}) : loadPhotos(),
				state.catalogLoaded ? Promise.resolve() : loadCatalog(),
				refreshMe(),
				loadJobs().catch(() => {}),
			]);
		} catch (e) {
			loadError = e;
		}
		if (destroyed)
			return;
		if (loadError) {
			put(el, notice('error', t('err_title'), errorText(loadError), [
				h('button', { class: 'btn btn-primary', type: 'button', testid: 'retry',
				    onclick: () => { put(el, hero, active, photoCard, outfitCard, locCard, cost, links, galleryInput, cameraInput); renderAll(); load(); } },
				    icon('refresh'), t('retry'))]));
			setMain(null);
			return;
		}
		fixSelection();
		renderAll();
		const sel = selectedPhoto();
		if (sel && verdictOf(sel).state === 'pending')
			watchPhoto(sel.id, 2);
	}

	return {
		title: t('app_title'),
		el,
		mount() {
			renderAll();
			load();
		},
		destroy() {
			destroyed = true;
			for (const tm of pollers.values())
				clearTimeout(tm);
			pollers.clear();
		},
	};
}

registerScreen('home', homeScreen);
