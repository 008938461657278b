#!/usr/bin/env node
/*
 * pose_mp_ref.js: reference landmarks and person masks for the offline
 * try-on's tests, from MediaPipe's own wasm solution (npm @mediapipe/pose
 * 0.5.1675469404, model complexity 1 = pose_landmark_full) in headless
 * Chromium driven by playwright-core.  Nothing is downloaded: the
 * solution's files are served from node_modules through page.route().
 *
 *   node t/pose_mp_ref.js OUTDIR IMAGE...
 *
 * For each IMAGE writes OUTDIR/pose_<name>.json:
 *   {"image", "width", "height", "landmarks": [[x, y, z, visibility], ...]}
 * (33 landmarks, x and y in source pixels rounded to 0.1, as lib/pose.h
 * holds them) and OUTDIR/pose_<name>_mask.png (grey, the person
 * probability 0..255, the image's size).  Needs `npm install --no-save
 * @mediapipe/pose@0.5.1675469404` (a development tool: the committed
 * reference files are what the tests read).
 */
"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const ROOT = path.resolve(__dirname, "..");
const MP = path.join(ROOT, "node_modules", "@mediapipe", "pose");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const MIME = { ".js": "text/javascript", ".wasm": "application/wasm",
    ".data": "application/octet-stream", ".tflite": "application/octet-stream",
    ".binarypb": "application/octet-stream", ".html": "text/html",
    ".png": "image/png", ".jpg": "image/jpeg" };

const PAGE = `<!doctype html><html><body>
<script src="/mp/pose.js"></script>
<script>
window.runPose = async (url) => {
	const img = new Image();
	img.src = url;
	await img.decode();
	const pose = new Pose({ locateFile: (f) => "/mp/" + f });
	pose.setOptions({ modelComplexity: 1, smoothLandmarks: false,
	    enableSegmentation: true, smoothSegmentation: false,
	    minDetectionConfidence: 0.5, minTrackingConfidence: 0.5 });
	let res = null;
	pose.onResults((r) => { res = r; });
	await pose.initialize();
	await pose.send({ image: img });
	const w = img.naturalWidth, h = img.naturalHeight;
	const out = { width: w, height: h, landmarks: null, mask: null };
	if (res && res.poseLandmarks)
		out.landmarks = res.poseLandmarks.map((p) => [p.x * w, p.y * h,
		    p.z * w, p.visibility]);
	if (res && res.segmentationMask) {
		const c = document.createElement("canvas");
		c.width = w;
		c.height = h;
		const g = c.getContext("2d");
		g.drawImage(res.segmentationMask, 0, 0, w, h);
		const d = g.getImageData(0, 0, w, h).data;
		const m = [];
		for (let i = 0; i < w * h; i++)
			m.push(d[i * 4]);
		out.mask = m;
	}
	pose.close();
	return out;
};
</script></body></html>`;

/* A grey PNG of w x h bytes (zlib via node), no dependencies. */
function pngGrey(w, h, bytes) {
	const zlib = require("zlib");
	const crcTable = [];
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		crcTable[n] = c >>> 0;
	}
	const crc = (buf) => {
		let c = 0xffffffff;
		for (const b of buf)
			c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type, data) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type), data]);
		const c = Buffer.alloc(4);
		c.writeUInt32BE(crc(td));
		return Buffer.concat([len, td, c]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8;
	ihdr[9] = 0;
	const raw = Buffer.alloc((w + 1) * h);
	for (let y = 0; y < h; y++)
		for (let x = 0; x < w; x++)
			raw[y * (w + 1) + 1 + x] = bytes[y * w + x];
	return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
	    chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw, { level: 9 })),
	    chunk("IEND", Buffer.alloc(0))]);
}

async function main() {
	const [outdir, ...images] = process.argv.slice(2);
	if (!outdir || images.length === 0) {
		process.stderr.write("usage: pose_mp_ref.js OUTDIR IMAGE...\n");
		process.exit(2);
	}
	const browser = await chromium.launch({ executablePath: CHROMIUM,
	    args: ["--headless=new", "--no-sandbox", "--use-angle=swiftshader",
	    "--enable-unsafe-swiftshader", "--disable-background-networking"] });
	const page = await browser.newPage();
	page.on("console", (m) => process.stderr.write("page: " + m.text() + "\n"));
	await page.route("http://ref.test/**", (route) => {
		const u = new URL(route.request().url());
		let file = null;
		if (u.pathname === "/")
			return route.fulfill({ contentType: "text/html", body: PAGE });
		if (u.pathname.startsWith("/mp/"))
			file = path.join(MP, path.basename(u.pathname));
		else if (u.pathname.startsWith("/img/"))
			file = images[Number(path.basename(u.pathname))];
		if (!file || !fs.existsSync(file))
			return route.fulfill({ status: 404, body: "" });
		return route.fulfill({ body: fs.readFileSync(file),
		    contentType: MIME[path.extname(file)] || "application/octet-stream" });
	});
	await page.goto("http://ref.test/");
	for (let i = 0; i < images.length; i++) {
		const r = await page.evaluate((u) => window.runPose(u), "/img/" + i);
		const name = path.basename(images[i]).replace(/\.[^.]+$/, "");
		if (!r.landmarks) {
			process.stderr.write(name + ": no person\n");
			continue;
		}
		const lm = r.landmarks.map((p) => p.map((v, k) =>
		    k < 3 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000));
		fs.writeFileSync(path.join(outdir, "pose_" + name + ".json"),
		    JSON.stringify({ image: path.basename(images[i]), width: r.width,
		    height: r.height, source: "@mediapipe/pose 0.5.1675469404, modelComplexity 1",
		    landmarks: lm }) + "\n");
		if (r.mask)
			fs.writeFileSync(path.join(outdir, "pose_" + name + "_mask.png"),
			    pngGrey(r.width, r.height, r.mask));
		process.stderr.write(name + ": ok\n");
	}
	await browser.close();
}

main().catch((e) => {
	process.stderr.write("pose_mp_ref: " + (e && e.stack ? e.stack : e) + "\n");
	process.exit(1);
});
