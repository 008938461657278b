/*
 * One try-on: its progress (status text and a progress bar, polled with
 * backoff), the result or the reason it failed and what to do next, and
 * its animation: start it, follow it, watch, share or save the video.
 */
import { api, newKey } from '../api.js';
import { tg } from '../tg.js';
import { t, tokens, price as fmtPrice } from '../i18n.js';
import { h, put, icon, img, toast, notice } from '../dom.js';
import { pollJob, TERMINAL } from '../poll.js';
import { share, save } from '../media.js';
import { openShop } from './outfit.js';
import {
	state, nav, setMain, setSecondary, registerScreen, refreshMe, loadJobs, getOutfit,
	available, price, errorText, rememberJob, saveSelection,
} from '../core.js';

/* How far along the pipeline a status is, 0..1. */
const PROGRESS = {
	RECEIVED: 0.06, VALIDATING: 0.16, MODERATING: 0.28, PROMPTING: 0.4,
	QUEUED: 0.52, RUNNING: 0.72, UPLOADING: 0.9, COMPLETED: 1, FAILED: 1,
};

export function progressBar(job, testid) {
	const f = PROGRESS[job.status] || 0.04;
	const bar = h('div', {
		class: 'progress' + (TERMINAL.has(job.status) ? '' : ' progress-live'),
		role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
		'aria-valuenow': String(Math.round(f * 100)), testid,
	}, h('div', { class: 'progress-fill', style: { width: Math.round(f * 100) + '%' } }));
	return bar;
}

/*
 * After the second try-on seen to succeed, offer the home-screen
 * shortcut, once (remembered in CloudStorage).
 */
async function countSuccess() {
	const n = (Number(await tg.storageGet('tryons_ok')) || 0) + 1;
	await tg.storageSet('tryons_ok', String(n));
	if (n < 2 || await tg.storageGet('home_offered'))
		return;
	if (await tg.offerHomeScreen())
		await tg.storageSet('home_offered', '1');
}

function tryonScreen(params) {
	const el = h('div', { class: 'tryon', testid: 'screen-tryon' });
	const id = Number(params.id);
	let tryon = params.job || null;
	let anim = null;
	let outfit = null;
	let tryonPoll = null;
	let animPoll = null;
	let destroyed = false;
	let animBusy = false;
	let animKey = null;
	let retryBusy = false;
	let resultFrame = null;
	let animKeyShown = null;

	const top = h('div', { class: 'tryon-top' });
	const animBox = h('div', { class: 'anim-box' });
	el.append(top, animBox);

	const photoUrl = () => {
		const p = tryon && state.photos.find((x) => x.id === tryon.user_photo_id);
		return p ? p.url : null;
	};

	/* ---- the try-on ---- */
	function renderProgress() {
		const loc = state.locations.find((l) => l.id === tryon.location_id);
		const parts = [img(photoUrl(), '', 'mini')];
		if (outfit)
			parts.push(h('span', { class: 'plus' }, icon('plus')), img(outfit.image_url, '', 'mini mini-contain'));
		if (loc)
			parts.push(h('span', { class: 'plus' }, icon('plus')), img(loc.image_url, '', 'mini'));
		put(top, h('section', { class: 'card progress-card', testid: 'tryon-progress', 'data-status': tryon.status },
		    h('div', { class: 'progress-visual' }, parts),
		    h('div', { class: 'status-line' }, h('span', { class: 'spinner' }),
			h('span', { class: 'status-text', testid: 'status-text', text: tryon.status_text || '' })),
		    progressBar(tryon, 'progress'),
		    h('p', { class: 'hint', text: t('progress_hint') })));
	}

	function outfitRow() {
		if (!outfit)
			return null;
		return h('div', { class: 'outfit-row', testid: 'result-outfit' },
		    img(outfit.image_url, '', 'mini mini-contain'),
		    h('div', { class: 'outfit-row-text', role: 'button', tabindex: '0',
			onclick: () => nav.go('outfit', { id: outfit.id }) },
			h('div', { class: 'outfit-title', text: outfit.title }),
			h('div', { class: 'outfit-shop', text: outfit.shop_name + ' · ' + fmtPrice(outfit.price, outfit.currency) })),
		    outfit.product_url ? h('button', { class: 'btn btn-small btn-secondary', type: 'button', testid: 'result-buy',
			onclick: () => openShop(outfit) }, icon('bag'), t('buy').split(' ')[0]) : null);
	}

	/* What the server gives for sharing this job (share code, story,
	 * prepared message), asked once. */
	const shared = {};
	function shareData(jobKind, jobId) {
		const k = jobKind + ':' + jobId;
		if (!shared[k])
			shared[k] = api.share(jobKind, jobId).catch((e) => { delete shared[k]; throw e; });
		return shared[k];
	}

	function mediaActions(url, name, kind, jobKind, jobId) {
		const story = tg.canStory() ? h('button', { class: 'btn btn-secondary', type: 'button', testid: kind + '-story',
		    onclick: async () => {
			try {
				const d = await shareData(jobKind, jobId);
				const params = { text: d.story.text };
				if (d.story.widget_link)
					params.widget_link = d.story.widget_link;
				if (!tg.shareToStory(d.story.media_url, params))
					toast(t('share_failed'), 'error');
			} catch (e) {
				toast(errorText(e), 'error');
			}
		    } }, icon('sparkle'), t('share_story')) : null;
		return h('div', { class: 'media-actions' }, story,
		    h('button', { class: 'btn btn-secondary', type: 'button', testid: kind + '-share',
			onclick: async () => {
				/* To a chat: the message the bot prepared, with a
				 * "Try it on" button; the system share sheet where
				 * the client cannot. */
				if (tg.canShareMessage()) {
					try {
						const d = await shareData(jobKind, jobId);
						if (d.prepared_message_id) {
							if (await tg.shareMessage(d.prepared_message_id))
								tg.haptic('success');
							return;
						}
					} catch (e) { /* fall back below */ }
				}
				const r = await share(url, name, 'primerka');
				if (r === 'copied')
					toast(t('link_copied'), 'ok');
				else if (r === 'failed')
					toast(t('share_failed'), 'error');
			} }, icon('share'), tg.canShareMessage() ? t('share_chat') : t('share')),
		    h('button', { class: 'btn btn-secondary', type: 'button', testid: kind + '-save',
			onclick: async () => {
				/* Telegram's own download where the client has it. */
				const dl = await tg.downloadFile(url, name);
				if (dl === true) {
					tg.haptic('success');
					return;
				}
				if (dl === false)
					return;		/* the user declined */
				if (await save(url, name)) {
					tg.haptic('success');
					toast(t('saved'), 'ok');
				}
			} }, icon('download'), t('save')));
	}

	/* The other results of the same photo, outfit and location. */
	function variants() {
		if (!tryon)
			return [];
		return state.tryons.filter((j) => j.status === 'COMPLETED' && j.result &&
		    j.user_photo_id === tryon.user_photo_id && j.outfit_id === tryon.outfit_id &&
		    (j.location_id || null) === (tryon.location_id || null)).sort((a, b) => a.id - b.id);
	}

	function variantsStrip() {
		const vs = variants();
		if (vs.length < 2)
			return null;
		return h('section', { class: 'card variants', testid: 'variants' },
		    h('div', { class: 'settings-head', text: t('variants_title') }),
		    h('div', { class: 'variants-grid' }, vs.map((j, i) =>
			h('button', { class: 'variant' + (j.id === tryon.id ? ' variant-current' : ''), type: 'button',
			    testid: 'variant', 'data-id': String(j.id), 'aria-label': t('variant_pick', { n: i + 1 }),
			    onclick: () => { if (j.id !== tryon.id) nav.replace('tryon', { id: j.id, job: j }); } },
			    h('img', { src: (j.result.thumbnail_url || j.result.url), alt: '', decoding: 'async' }),
			    h('span', { class: 'variant-n', text: String(i + 1) })))));
	}

	/* Try again: the same inputs, a new seed, a new (charged) job. */
	function againButton() {
		const need = price('tryon');
		return h('button', { class: 'btn btn-secondary again', type: 'button', testid: 'try-again',
		    disabled: available() < need || retryBusy,
		    onclick: () => retryTryon(true) }, icon('refresh'), t('try_again_seed', { cost: tokens(need) }));
	}

	function renderResult() {
		const r = tryon.result || {};
		/* The same picture element across renders: no reload, no flicker. */
		if (!resultFrame || resultFrame.dataset.src !== r.url) {
			resultFrame = h('div', { class: 'result-frame', 'data-src': r.url });
			const im = h('img', { src: r.url, alt: t('result_alt'), testid: 'result-image', decoding: 'async' });
			const frame = resultFrame;
			im.addEventListener('load', () => frame.classList.add('img-loaded'));
			frame.append(im);
		}
		const frame = resultFrame;
		put(top,
		    h('section', { class: 'result', testid: 'tryon-result' }, frame,
			h('div', { class: 'charged', testid: 'charged' }, icon('check'),
			    t('done_charged', { cost: tokens(tryon.cost) })),
			mediaActions(r.url, 'primerka-' + tryon.id + '.jpg', 'result', 'tryon', tryon.id),
			againButton()),
		    variantsStrip(),
		    outfitRow());
	}

	function failureActions(job) {
		const code = (job.error && job.error.code) || '';
		if (code.startsWith('photo_'))
			return { label: t('choose_photo'), run: () => { state.sel.photoId = null; saveSelection(); nav.home(); } };
		if (code === 'outfit_unavailable')
			return { label: t('choose_outfit'), run: () => nav.home() };
		if (code === 'location_unavailable')
			return { label: t('choose_location'), run: () => nav.home() };
		if (code === 'insufficient_tokens' || !job.user_photo_id)
			return { label: t('home'), run: () => nav.home() };
		return { label: t('mb_again'), run: retryTryon };
	}

	function renderFailed() {
		const e = tryon.error || {};
		const pic = photoUrl();
		put(top, h('section', { class: 'card failed-card', testid: 'tryon-failed', 'data-code': e.code || '' },
		    h('div', { class: 'failed-visual' },
			pic ? img(pic, '', 'mini failed-photo') : h('div', { class: 'img mini failed-photo' }, icon('person')),
			icon('alert', 'failed-badge')),
		    h('h2', { class: 'failed-title', text: t('failed_title') }),
		    h('p', { class: 'failed-text', testid: 'failed-reason', text: e.message || t('err_generic') }),
		    h('p', { class: 'failed-note', text: t('no_charge') }),
		    h('button', { class: 'btn btn-secondary', type: 'button', testid: 'failed-home', onclick: () => nav.home() }, t('home'))));
	}

	async function retryTryon(newSeed) {
		if (retryBusy)
			return;
		retryBusy = true;
		if (newSeed !== true)
			setMain({ text: t('mb_again'), progress: true });
		const body = { user_photo_id: tryon.user_photo_id, outfit_id: tryon.outfit_id };
		if (tryon.location_id)
			body.location_id = tryon.location_id;
		if (newSeed === true) {
			const b = new Uint32Array(1);
			crypto.getRandomValues(b);
			body.seed = (b[0] & 0x7fffffff) || 1;
		}
		try {
			const job = await api.createTryon(body, newKey());
			rememberJob(job);
			refreshMe().catch(() => {});
			if (!destroyed)
				nav.replace('tryon', { id: job.id, job });
		} catch (e) {
			tg.haptic('error');
			toast(errorText(e), 'error');
			retryBusy = false;
			if (!destroyed)
				render();
		}
	}

	/* ---- the animation ---- */
	function renderAnim() {
		if (!tryon || tryon.status !== 'COMPLETED') {
			put(animBox);
			animKeyShown = null;
			return;
		}
		const need = price('animation');
		const have = available();
		/* Render only what changed: a playing video is left alone. */
		const key = anim ? [anim.id, anim.status, anim.status_text].join(':') +
		    (TERMINAL.has(anim.status) && anim.status !== 'FAILED' ? '' : ':' + need + ':' + have) :
		    'none:' + need + ':' + have;
		if (key === animKeyShown)
			return;
		animKeyShown = key;
		if (anim && anim.status === 'COMPLETED' && anim.result) {
			const v = h('video', {
				class: 'anim-video', testid: 'anim-video', src: anim.result.url,
				poster: anim.result.preview_url || anim.result.thumbnail_url || null,
				muted: true, autoplay: true, loop: true, playsinline: true, controls: true, preload: 'auto',
			});
			v.muted = true;
			v.defaultMuted = true;
			v.addEventListener('error', () => {
				v.replaceWith(notice('error', null, t('video_error'), null));
			});
			put(animBox, h('section', { class: 'card anim-card', testid: 'anim-ready' },
			    h('div', { class: 'anim-head' }, icon('play', 'anim-icon'), h('div', { class: 'anim-title', text: t('anim_ready') })),
			    h('div', { class: 'video-frame' }, v),
			    mediaActions(anim.result.url, 'primerka-' + anim.id + '.mp4', 'video', 'animation', anim.id)));
			const p = v.play();
			if (p && p.catch)
				p.catch(() => {});
			return;
		}
		if (anim && !TERMINAL.has(anim.status)) {
			put(animBox, h('section', { class: 'card anim-card', testid: 'anim-progress', 'data-status': anim.status },
			    h('div', { class: 'anim-head' }, icon('sparkle', 'anim-icon'), h('div', { class: 'anim-title', text: t('anim_in_progress') })),
			    h('div', { class: 'status-line' }, h('span', { class: 'spinner' }),
				h('span', { class: 'status-text', testid: 'anim-status', text: anim.status_text || '' })),
			    progressBar(anim, 'anim-progressbar')));
			return;
		}
		const parts = [h('div', { class: 'anim-head' }, icon('sparkle', 'anim-icon'),
		    h('div', null, h('div', { class: 'anim-title', text: t('animate_title') }),
			h('div', { class: 'anim-text', text: t('animate_text') })))];
		if (anim && anim.status === 'FAILED') {
			const f = notice('error', t('anim_failed'),
			    (anim.error && anim.error.message) || t('err_generic'), [h('div', { class: 'notice-note', text: t('no_charge') })]);
			f.setAttribute('data-testid', 'anim-failed');
			f.dataset.code = (anim.error && anim.error.code) || '';
			parts.push(f);
		}
		if (have < need) {
			const s = notice('warn', t('mb_short'), t('tokens_short_anim', { cost: tokens(need), available: tokens(have) }), [
			    h('button', { class: 'btn btn-primary', type: 'button', testid: 'topup-open',
				onclick: () => nav.go('topup') }, icon('token'), t('topup'))]);
			s.setAttribute('data-testid', 'tokens-short');
			parts.push(s);
		} else {
			parts.push(h('div', { class: 'cost-line', testid: 'anim-cost' }, icon('token'),
			    h('span', { text: t('anim_cost_line', { cost: tokens(need), available: tokens(have) }) })));
		}
		put(animBox, h('section', { class: 'card anim-card', testid: 'anim-offer' }, parts));
	}

	async function startAnimation() {
		if (animBusy || !tryon)
			return;
		animBusy = true;
		if (!animKey)
			animKey = newKey();
		updateMain();
		try {
			const job = await api.createAnimation(tryon.id, animKey);
			animKey = null;
			anim = job;
			rememberJob(job);
			refreshMe().then(() => { if (!destroyed) renderAnim(); }).catch(() => {});
			watchAnim(true);
		} catch (e) {
			tg.haptic('error');
			if (e.status >= 400 && e.status < 500)
				animKey = null;
			if (e.status === 402)
				await refreshMe().catch(() => {});
			toast(errorText(e), 'error');
		}
		animBusy = false;
		if (!destroyed)
			render();
	}

	function watchAnim(live) {
		if (animPoll)
			animPoll.stop();
		if (!anim || TERMINAL.has(anim.status))
			return;
		animPoll = pollJob('animation', anim.id, {
			job: anim,
			onUpdate: (j) => { anim = j; rememberJob(j); if (!destroyed) render(); },
			onDone: (j) => {
				anim = j;
				if (live !== false)
					tg.haptic(j.status === 'COMPLETED' ? 'success' : 'error');
				refreshMe().then(() => { if (!destroyed) render(); }).catch(() => {});
				if (destroyed)
					return;
				render();
				if (live !== false)
					animBox.scrollIntoView({ behavior: 'smooth', block: 'start' });
			},
			onError: () => {},
		});
	}

	/* ---- main button ---- */
	function updateMain() {
		if (destroyed || !tryon)
			return;
		if (tryon.status === 'FAILED') {
			const act = failureActions(tryon);
			setMain({ text: act.label, onClick: act.run, progress: retryBusy });
			return;
		}
		if (tryon.status !== 'COMPLETED') {
			setMain(null);
			return;
		}
		const need = price('animation');
		if (animBusy || (anim && !TERMINAL.has(anim.status))) {
			setMain({ text: (anim && anim.status_text) || t('mb_animate', { cost: tokens(need) }), progress: true });
		} else if (anim && anim.status === 'COMPLETED') {
			setMain({ text: t('mb_new'), onClick: () => nav.home() });
		} else if (available() < need) {
			setMain({ text: t('mb_short'), enabled: false });
		} else {
			setMain({ text: t('mb_animate', { cost: tokens(need) }), onClick: startAnimation });
			/* The second action beside it: a new try-on. */
			setSecondary({ text: t('mb_new'), onClick: () => nav.home() });
			return;
		}
		setSecondary(null);
	}

	function render() {
		if (destroyed)
			return;
		if (!tryon) {
			put(top, h('div', { class: 'card progress-card skeleton tall' }));
			return;
		}
		if (tryon.status === 'COMPLETED' && tryon.result)
			renderResult();
		else if (tryon.status === 'FAILED')
			renderFailed();
		else
			renderProgress();
		renderAnim();
		updateMain();
	}

	async function findAnimation() {
		if (!state.animations.length)
			await loadJobs().catch(() => {});
		const mine = state.animations.filter((a) => a.tryon_id === id).sort((a, b) => b.id - a.id);
		anim = mine[0] || null;
		if (anim && !TERMINAL.has(anim.status))
			watchAnim(true);
	}

	async function onTryonDone(j, live) {
		tryon = j;
		rememberJob(j);
		if (live)
			tg.haptic(j.status === 'COMPLETED' ? 'success' : 'error');
		if (j.status === 'COMPLETED' && live)
			countSuccess();
		if (j.status === 'COMPLETED') {
			await findAnimation();
			/* The variants of these inputs, this one included. */
			if (variants().length < 2)
				await loadJobs().catch(() => {});
		}
		refreshMe().then(() => { if (!destroyed) render(); }).catch(() => {});
		if (!destroyed)
			render();
	}

	async function start() {
		if (tryon && tryon.outfit_id)
			getOutfit(tryon.outfit_id).then((o) => { outfit = o; render(); }).catch(() => {});
		/* Haptics only for an outcome the user waited for here. */
		let live = !!tryon && !TERMINAL.has(tryon.status);
		tryonPoll = pollJob('tryon', id, {
			job: tryon,
			onUpdate: (j) => {
				const first = !tryon;
				if (!TERMINAL.has(j.status))
					live = true;
				tryon = j;
				rememberJob(j);
				if (first && j.outfit_id)
					getOutfit(j.outfit_id).then((o) => { outfit = o; render(); }).catch(() => {});
				render();
			},
			onDone: (j) => { onTryonDone(j, live); },
			onError: (e) => {
				put(top, notice('error', t('err_title'), errorText(e), null));
				setMain({ text: t('home'), onClick: () => nav.home() });
			},
		});
	}

	return {
		title: t('title_tryon'),
		el,
		mount() {
			render();
			start();
		},
		destroy() {
			destroyed = true;
			if (tryonPoll)
				tryonPoll.stop();
			if (animPoll)
				animPoll.stop();
		},
	};
}

registerScreen('tryon', tryonScreen);
