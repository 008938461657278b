/*
 * DOM helpers: h() builds elements (text always as text, never as HTML),
 * icons (constant SVG), a toast and a confirmation sheet.
 */
import { t } from './i18n.js';

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				el.className = v;
			else if (k === 'text')
				el.textContent = v;
			else if (k === 'style' && typeof v === 'object')
				Object.assign(el.style, v);
			else if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2).toLowerCase(), v);
			else if (k === 'testid')
				el.setAttribute('data-testid', v);
			else if (v === true)
				el.setAttribute(k, '');
			else
				el.setAttribute(k, String(v));
		}
	}
	append(el, children);
	return el;
}

/* Replace el's children, skipping null/false (replaceChildren would print them). */
export function put(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

const ICONS = {
	back: '<path d="M15 5l-7 7 7 7"/>',
	token: '<path d="M12 3l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.4 6.8 19.1l1-5.8L3.5 9.2l5.9-.9z"/>',
	gallery: '<rect x="3" y="4" width="18" height="16" rx="3"/><circle cx="9" cy="10" r="2"/><path d="M21 16l-5-5-8 9"/>',
	camera: '<path d="M4 8h3l2-3h6l2 3h3a1 1 0 011 1v10a1 1 0 01-1 1H4a1 1 0 01-1-1V9a1 1 0 011-1z"/><circle cx="12" cy="13.5" r="3.5"/>',
	trash: '<path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 002 2h6a2 2 0 002-2l1-12M9 7V4h6v3"/>',
	check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
	alert: '<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.5"/>',
	clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
	history: '<path d="M3.5 12a8.5 8.5 0 102.5-6"/><path d="M3 4v4h4"/><path d="M12 8v4l3 2"/>',
	share: '<path d="M12 15V3M7.5 7.5L12 3l4.5 4.5"/><path d="M5 12v7a2 2 0 002 2h10a2 2 0 002-2v-7"/>',
	download: '<path d="M12 3v12M7.5 10.5L12 15l4.5-4.5"/><path d="M5 19h14"/>',
	play: '<path d="M8 5.5v13l10.5-6.5z"/>',
	sparkle: '<path d="M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z"/><path d="M19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z"/>',
	bag: '<path d="M5 8h14l-1 12H6z"/><path d="M9 8V6a3 3 0 016 0v2"/>',
	external: '<path d="M14 4h6v6M20 4l-9 9"/><path d="M18 14v5a1 1 0 01-1 1H5a1 1 0 01-1-1V7a1 1 0 011-1h5"/>',
	plus: '<path d="M12 5v14M5 12h14"/>',
	close: '<path d="M6 6l12 12M18 6L6 18"/>',
	info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
	refresh: '<path d="M20 12a8 8 0 11-2.3-5.7"/><path d="M20 4v4h-4"/>',
	pin: '<path d="M12 21s-7-6.2-7-11.5a7 7 0 0114 0C19 14.8 12 21 12 21z"/><circle cx="12" cy="9.5" r="2.5"/>',
	studio: '<rect x="4" y="4" width="16" height="16" rx="3"/><path d="M4 15c3-2 5-2 8 0s5 2 8 0"/>',
	shirt: '<path d="M9 4c0 2 1.3 3 3 3s3-1 3-3l5 2 1.5 4.5-3.5 1.3V20H6v-8.2L2.5 10.5 4 6z"/>',
	person: '<circle cx="12" cy="7.5" r="3.5"/><path d="M5 20c.8-4 3.5-6 7-6s6.2 2 7 6"/>',
};

export function icon(name, cls) {
	const span = document.createElement('span');
	span.className = 'icon' + (cls ? ' ' + cls : '');
	span.setAttribute('aria-hidden', 'true');
	/* Constant markup from the table above, never user data. */
	span.innerHTML = '<svg viewBox="0 0 24 24">' + (ICONS[name] || '') + '</svg>';
	return span;
}

/* An <img> that fades in and shows a neutral tile if it fails. */
export function img(src, alt, cls) {
	const wrap = h('div', { class: 'img ' + (cls || '') });
	if (!src) {
		wrap.classList.add('img-missing');
		return wrap;
	}
	const el = h('img', { src, alt: alt || '', loading: 'lazy', decoding: 'async', draggable: 'false' });
	/* Fade in only the first time a picture arrives, not on re-render. */
	if (loadedImages.has(src) || (el.complete && el.naturalWidth > 0))
		wrap.classList.add('img-loaded');
	el.addEventListener('load', () => {
		loadedImages.add(src);
		wrap.classList.add('img-loaded');
	});
	el.addEventListener('error', () => wrap.classList.add('img-missing'));
	wrap.appendChild(el);
	return wrap;
}

const loadedImages = new Set();

let toastTimer = null;

export function toast(text, kind) {
	const el = document.getElementById('toast');
	if (!el)
		return;
	el.textContent = text;
	el.className = 'toast' + (kind ? ' toast-' + kind : '');
	el.hidden = false;
	requestAnimationFrame(() => el.classList.add('toast-on'));
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => {
		el.classList.remove('toast-on');
		setTimeout(() => { el.hidden = true; }, 250);
	}, 2600);
}

/* An in-page confirmation sheet; resolves true or false. */
export function confirmSheet(title, text, okText, danger) {
	return new Promise((resolve) => {
		const close = (v) => {
			root.classList.remove('sheet-on');
			setTimeout(() => root.remove(), 200);
			resolve(v);
		};
		const root = h('div', { class: 'sheet-root', testid: 'confirm' },
		    h('div', { class: 'sheet-scrim', onclick: () => close(false) }),
		    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true' },
			h('div', { class: 'sheet-title', text: title }),
			text ? h('div', { class: 'sheet-text', text }) : null,
			h('button', { class: 'btn ' + (danger ? 'btn-danger' : 'btn-primary'), type: 'button',
			    testid: 'confirm-ok', onclick: () => close(true) }, okText),
			h('button', { class: 'btn btn-plain', type: 'button', testid: 'confirm-cancel',
			    onclick: () => close(false) }, t('cancel'))));
		document.getElementById('app').appendChild(root);
		requestAnimationFrame(() => root.classList.add('sheet-on'));
	});
}

/* A full-width message block: icon, title, text and actions. */
export function notice(kind, title, text, actions) {
	return h('div', { class: 'notice notice-' + kind, testid: 'notice-' + kind },
	    icon(kind === 'error' ? 'alert' : kind === 'ok' ? 'check' : 'info', 'notice-icon'),
	    h('div', { class: 'notice-body' },
		title ? h('div', { class: 'notice-title', text: title }) : null,
		text ? h('div', { class: 'notice-text', text }) : null,
		actions && actions.length ? h('div', { class: 'notice-actions' }, actions) : null));
}
