/*
 * Deep links (startapp): the grammar of lib/deeplink.h.  Parts joined by
 * '-': o<outfit> s<shop> t<try-on> a<animation> r<share code>.
 */

const IDS = { o: 'outfit', s: 'shop', t: 'tryon', a: 'animation' };

/* {outfit, shop, tryon, animation, code} (absent: null), or null when
 * the link is malformed. */
export function parseStartParam(s) {
	const out = { outfit: null, shop: null, tryon: null, animation: null, code: null };
	if (!s)
		return out;
	if (s.length > 512 || !/^[A-Za-z0-9_-]+$/.test(s))
		return null;
	for (const part of s.split('-')) {
		if (part === '')
			return null;
		const k = part[0], v = part.slice(1);
		if (IDS[k]) {
			if (out[IDS[k]] !== null || !/^[1-9][0-9]{0,14}$/.test(v))
				return null;
			out[IDS[k]] = Number(v);
		} else if (k === 'r') {
			if (out.code !== null || !/^[0-9a-f]{16}$/.test(v))
				return null;
			out.code = v;
		}
	}
	return out;
}
