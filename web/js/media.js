/*
 * Pictures and videos in the browser: the photo is decoded (EXIF
 * orientation applied), downscaled and re-encoded as JPEG before upload,
 * which also drops its metadata (location, camera); sharing and saving
 * results inside Telegram or in a plain browser.
 */
import { tg } from './tg.js';

export const MAX_SIDE = 1600;
export const JPEG_QUALITY = 0.88;

async function decode(file) {
	if ('createImageBitmap' in window) {
		try {
			return await createImageBitmap(file, { imageOrientation: 'from-image' });
		} catch (e) {
			/* fall through to <img>, which knows more formats on some systems */
		}
	}
	const url = URL.createObjectURL(file);
	try {
		const im = new Image();
		im.decoding = 'async';
		im.src = url;
		await im.decode();
		return im;
	} finally {
		URL.revokeObjectURL(url);
	}
}

/*
 * downscale(file) -> {blob, width, height}: the longer side at most
 * MAX_SIDE, JPEG.  Throws when the file is not a readable picture.
 */
export async function downscale(file) {
	const src = await decode(file);
	const w0 = src.width || src.naturalWidth;
	const h0 = src.height || src.naturalHeight;
	if (!w0 || !h0)
		throw new Error('unreadable');
	const k = Math.min(1, MAX_SIDE / Math.max(w0, h0));
	const w = Math.max(1, Math.round(w0 * k));
	const h = Math.max(1, Math.round(h0 * k));
	const canvas = document.createElement('canvas');
	canvas.width = w;
	canvas.height = h;
	const ctx = canvas.getContext('2d');
	ctx.fillStyle = '#fff';		/* transparent PNGs: on white */
	ctx.fillRect(0, 0, w, h);
	ctx.imageSmoothingEnabled = true;
	ctx.imageSmoothingQuality = 'high';
	ctx.drawImage(src, 0, 0, w, h);
	if (src.close)
		src.close();
	const blob = await new Promise((resolve, reject) =>
	    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode'))), 'image/jpeg', JPEG_QUALITY));
	return { blob, width: w, height: h };
}

async function fetchBlob(url) {
	const r = await fetch(url, { mode: 'cors', credentials: 'omit' });
	if (!r.ok)
		throw new Error('fetch ' + r.status);
	return r.blob();
}

/*
 * Share a result: the file itself where the system share sheet takes
 * files, else Telegram's share link, else the link on the clipboard.
 * Resolves 'shared', 'copied' or 'failed'.
 */
export async function share(url, fileName, text) {
	if (navigator.share) {
		try {
			const blob = await fetchBlob(url);
			const file = new File([blob], fileName, { type: blob.type });
			if (navigator.canShare && navigator.canShare({ files: [file] })) {
				await navigator.share({ files: [file], text });
				return 'shared';
			}
			await navigator.share({ url, text });
			return 'shared';
		} catch (e) {
			if (e && e.name === 'AbortError')
				return 'shared';	/* the user closed the sheet */
		}
	}
	if (tg.inTelegram) {
		tg.openTelegramLink('https://t.me/share/url?url=' + encodeURIComponent(url) +
		    (text ? '&text=' + encodeURIComponent(text) : ''));
		return 'shared';
	}
	try {
		await navigator.clipboard.writeText(url);
		return 'copied';
	} catch (e) {
		return 'failed';
	}
}

/* Save a result to the device.  Resolves true when started. */
export async function save(url, fileName) {
	if (tg.inTelegram && tg.atLeast('8.0') && tg.wa.downloadFile) {
		try {
			tg.wa.downloadFile({ url, file_name: fileName });
			return true;
		} catch (e) { /* fall back below */ }
	}
	try {
		const blob = await fetchBlob(url);
		const obj = URL.createObjectURL(blob);
		const a = document.createElement('a');
		a.href = obj;
		a.download = fileName;
		document.body.appendChild(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(obj), 30000);
		return true;
	} catch (e) {
		tg.openLink(url);
		return true;
	}
}
