/*
 * Tokens: the balance, what tokens pay for, and the packs on sale for
 * Telegram Stars.  A pack asks the API for an invoice, opens it with
 * Telegram.WebApp.openInvoice and, once Telegram says "paid", waits for
 * the bot's webhook to credit the purchase (GET /purchases/{id}) before
 * showing the new balance.  Below the packs, the token history (GET
 * /ledger: grants, purchases, what each try-on and animation cost,
 * refunds), newest first, a page at a time.  Reached from the balance in
 * the top bar and from every "not enough tokens" notice.
 */
import { api } from '../api.js';
import { t, tokens, dateTime } from '../i18n.js';
import { h, put, icon, notice } from '../dom.js';
import { tg } from '../tg.js';
import { state, nav, setMain, registerScreen, refreshMe, renderBalance, available, price, errorText } from '../core.js';

const CONFIRM_WAITS_MS = [500, 1000, 1000, 2000, 2000, 4000, 4000, 8000];

function topupScreen() {
	const el = h('div', { class: 'topup', testid: 'screen-topup' });
	const head = h('div', { class: 'topup-head' });
	const packs = h('div', { class: 'topup-packs' });
	const status = h('div', { class: 'topup-status' });
	const ledger = h('div', { class: 'ledger', testid: 'ledger' });
	let destroyed = false;
	let busy = false;
	let entries = [];
	let cursor = null;
	el.append(head, status, packs, h('h3', { class: 'ledger-title', text: t('ledger_title') }), ledger);

	function renderHead() {
		const me = state.me;
		put(head, h('div', { class: 'topup-balance', testid: 'topup-balance' }, icon('token'),
		    h('b', { text: t('topup_balance', { available: tokens(available()) }) })),
		    me && me.reserved > 0 ? h('p', { class: 'hint', text: t('topup_reserved', { reserved: tokens(me.reserved) }) }) : null,
		    h('p', { class: 'hint', text: t('topup_text', { tryon: tokens(price('tryon')), animation: tokens(price('animation')) }) }));
	}

	function say(kind, text) {
		put(status, text ? notice(kind, null, text, null) : null);
	}

	/* Wait for the webhook to mark the purchase paid. */
	async function confirm(id) {
		for (const ms of CONFIRM_WAITS_MS) {
			await new Promise((r) => setTimeout(r, ms));
			if (destroyed)
				return null;
			try {
				const p = await api.purchase(id);
				if (p.status === 'paid')
					return p;
			} catch (e) { /* keep waiting */ }
		}
		return null;
	}

	async function buy(pack) {
		if (busy)
			return;
		if (!tg.canPay()) {
			say('warn', t('topup_outside'));
			return;
		}
		busy = true;
		say(null, null);
		try {
			const p = await api.buy(pack.id);
			const st = await tg.openInvoice(p.invoice_url);
			if (destroyed)
				return;
			if (st === 'paid' || st === 'pending') {
				say('info', t('topup_paying'));
				const done = await confirm(p.id);
				if (destroyed)
					return;
				await refreshMe().catch(() => {});
				renderBalance();
				renderHead();
				loadLedger(false);
				if (done) {
					tg.haptic('success');
					say('ok', t('topup_paid', { tokens: tokens(done.tokens) }));
				} else {
					say('info', t('topup_pending'));
				}
			} else if (st === 'failed') {
				tg.haptic('error');
				say('error', t('topup_failed'));
			}
		} catch (e) {
			tg.haptic('error');
			say('error', errorText(e));
		} finally {
			busy = false;
		}
	}

	function entryText(e) {
		if (e.kind === 'debit' && e.job)
			return t(e.job.kind === 'animation' ? 'ledger_animation' : 'ledger_tryon') + ' #' + e.job.id;
		return t('ledger_' + e.kind);
	}

	function renderLedger() {
		/* A debit opens the try-on it paid for (an animation's, under it). */
		const rows = entries.map((e) => h(e.job && e.job.tryon_id ? 'button' : 'div', {
		    class: 'ledger-row', testid: 'ledger-row', 'data-kind': e.kind,
		    type: e.job && e.job.tryon_id ? 'button' : undefined,
		    onclick: e.job && e.job.tryon_id ? () => nav.go('tryon', { id: e.job.tryon_id }) : undefined },
		    h('span', { class: 'ledger-what' }, h('span', { text: entryText(e) }),
		        h('span', { class: 'ledger-when', text: dateTime(e.created_at) })),
		    h('span', { class: 'ledger-amount ' + (e.amount > 0 ? 'plus' : 'minus'),
		        text: (e.amount > 0 ? '+' : '\u2212') + tokens(Math.abs(e.amount)) })));
		if (!entries.length)
			rows.push(h('p', { class: 'hint', testid: 'ledger-empty', text: t('ledger_empty') }));
		if (cursor)
			rows.push(h('button', { class: 'btn btn-plain more', type: 'button', testid: 'ledger-more',
			    onclick: () => loadLedger(true) }, t('more')));
		put(ledger, ...rows);
	}

	async function loadLedger(more) {
		try {
			const d = await api.ledger(more ? cursor : null);
			if (destroyed)
				return;
			entries = more ? entries.concat(d.items || []) : (d.items || []);
			cursor = d.next_cursor || null;
			renderLedger();
		} catch (e) {
			if (!destroyed)
				put(ledger, notice('error', t('err_title'), errorText(e), null));
		}
	}

	async function load() {
		put(packs, ...[0, 1, 2].map(() => h('div', { class: 'pack skeleton' })));
		try {
			const d = await api.packs();
			if (destroyed)
				return;
			const items = d.items || [];
			if (!items.length) {
				put(packs, h('p', { class: 'hint', testid: 'topup-none', text: t('topup_none') }));
				return;
			}
			put(packs, ...items.map((p) => h('button', {
				class: 'pack', type: 'button', testid: 'pack', 'data-pack-id': p.id,
				onclick: () => buy(p),
			}, icon('token', 'pack-icon'), h('span', { class: 'pack-text', text: t('topup_pack', { tokens: tokens(p.tokens), stars: p.stars }) }))));
		} catch (e) {
			if (!destroyed)
				put(packs, notice('error', t('err_title'), errorText(e), null));
		}
	}

	return {
		title: t('title_topup'),
		el,
		mount() {
			renderHead();
			load();
			loadLedger(false);
			setMain({ text: t('back'), onClick: () => nav.back() });
		},
		destroy() { destroyed = true; },
	};
}

registerScreen('topup', topupScreen);
