#!/usr/bin/env node
/*
 * pose_ref.js: the reference for lib/pose.c — MediaPipe's own Pose
 * solution (the wasm build in the npm package @mediapipe/pose, the same
 * one scripts/pose-convert takes its models from) run in headless
 * Chromium through playwright-core, on still images.  Prints JSON.
 *
 *   node t/pose_ref.js [--repeat N] [--webgl] [--no-mask] FILE...
 *
 * The package files and the images are served from a throwaway HTTP
 * server on 127.0.0.1 (an ephemeral port); nothing is fetched from
 * anywhere else.  Each image is a fresh start (pose.reset(): detection,
 * no tracking) with modelComplexity 1 (pose_landmark_full), no smoothing,
 * segmentation on.  --repeat N sends each image N times (each after a
 * reset) and reports the times.  The networks run on the CPU inside the
 * wasm (MediaPipe's useCpuInference: TFLite with XNNPACK, float32, single
 * thread) -- the exact reference; --webgl runs them through WebGL instead
 * (SwiftShader here: seconds per image, and float16-ish results).
 *
 * Output (stdout, one JSON object):
 *   {"version", "load_ms", "results": [{"file", "w", "h",
 *    "landmarks": [[x, y, z, visibility], ...33] in pixels, or null,
 *    "mask": base64 of w*h bytes 0..255, or null,
 *    "ms_first", "ms_median", "ms_min"}]}
 */
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const PKG = path.join(ROOT, "node_modules", "@mediapipe", "pose");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function usage() {
	process.stderr.write("usage: pose_ref.js [--repeat N] " +
	    "[--webgl] [--no-mask] FILE...\n");
	process.exit(2);
}

function parseArgs(argv) {
	const o = { repeat: 1, cpu: true, mask: true, files: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === "--repeat" && i + 1 < argv.length) {
			o.repeat = Number(argv[++i]);
			if (!Number.isInteger(o.repeat) || o.repeat < 1 ||
			    o.repeat > 1000)
				usage();
		} else if (a === "--webgl")
			o.cpu = false;
		else if (a === "--no-mask")
			o.mask = false;
		else if (a.startsWith("--"))
			usage();
		else
			o.files.push(path.resolve(a));
	}
	if (o.files.length === 0)
		usage();
	return o;
}

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm",
    ".html": "text/html", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".webp": "image/webp" };

const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<script src="/pkg/pose.js"></script></head><body><script>
window.ready = (async () => {
	window.pose = new Pose({ locateFile: (f) => "/pkg/" + f });
	window.last = null;
	pose.onResults((r) => { window.last = r; });
	await pose.initialize();
})();
window.setOpts = (cpu, mask) => {
	pose.setOptions({ modelComplexity: 1, selfieMode: false,
	    smoothLandmarks: false, enableSegmentation: mask,
	    smoothSegmentation: false, minDetectionConfidence: 0.5,
	    minTrackingConfidence: 0.5, useCpuInference: cpu });
};
window.runOne = async (url, repeat, wantMask) => {
	const img = new Image();
	img.src = url;
	await img.decode();
	const w = img.naturalWidth, h = img.naturalHeight;
	const ms = [];
	for (let i = 0; i < repeat; i++) {
		pose.reset();
		window.last = null;
		const t = performance.now();
		await pose.send({ image: img });
		ms.push(performance.now() - t);
	}
	const r = window.last;
	let lm = null, mask = null;
	if (r && r.poseLandmarks)
		lm = r.poseLandmarks.map((p) => [p.x * w, p.y * h, p.z * w,
		    p.visibility]);
	if (wantMask && r && r.segmentationMask && lm) {
		const c = document.createElement("canvas");
		c.width = w; c.height = h;
		const g = c.getContext("2d");
		g.drawImage(r.segmentationMask, 0, 0, w, h);
		const d = g.getImageData(0, 0, w, h).data;
		let s = "";
		for (let i = 0; i < w * h; i++)
			s += String.fromCharCode(d[i * 4 + 3]);
		mask = btoa(s);
	}
	return { w, h, landmarks: lm, mask, ms };
};
</script></body></html>`;

function serve(files) {
	const srv = http.createServer((req, res) => {
		const u = decodeURIComponent(req.url.split("?")[0]);
		let p = null;
		if (u === "/")
			return res.writeHead(200, { "content-type": "text/html" }),
			    res.end(PAGE);
		if (u.startsWith("/pkg/")) {
			const name = path.basename(u);
			if (/^[A-Za-z0-9_.-]+$/.test(name))
				p = path.join(PKG, name);
		} else if (u.startsWith("/img/")) {
			const i = Number(u.slice(5));
			if (Number.isInteger(i) && i >= 0 && i < files.length)
				p = files[i];
		}
		if (!p || !fs.existsSync(p)) {
			res.writeHead(404);
			return res.end();
		}
		res.writeHead(200, { "content-type":
		    TYPES[path.extname(p).toLowerCase()] ||
		    "application/octet-stream" });
		fs.createReadStream(p).pipe(res);
	});
	return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok(srv)));
}

function median(xs) {
	const s = xs.slice().sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	const version = JSON.parse(fs.readFileSync(path.join(PKG,
	    "package.json"), "utf8")).version;
	const { chromium } = require("playwright-core");
	const srv = await serve(o.files);
	const base = "http://127.0.0.1:" + srv.address().port;
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ["--headless=new", "--no-sandbox",
		    "--disable-background-networking", "--disable-component-update",
		    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
		    "--ignore-gpu-blocklist"],
	});
	const results = [];
	let loadMs = 0;
	try {
		const page = await browser.newPage();
		page.on("pageerror", (e) => process.stderr.write("page: " + e +
		    "\n"));
		page.on("console", (m) => process.stderr.write("console: " +
		    m.text() + "\n"));
		/* Anything not on the loopback server is refused. */
		await page.route((u) => !u.href.startsWith(base),
		    (r) => r.abort());
		const t0 = Date.now();
		await page.goto(base + "/");
		await page.evaluate(() => window.ready);
		await page.evaluate(([c, m]) => window.setOpts(c, m),
		    [o.cpu, o.mask]);
		loadMs = Date.now() - t0;
		for (let i = 0; i < o.files.length; i++) {
			const r = await page.evaluate(([u, n, m]) =>
			    window.runOne(u, n, m),
			    [base + "/img/" + i, o.repeat, o.mask]);
			results.push({ file: o.files[i], w: r.w, h: r.h,
			    landmarks: r.landmarks, mask: r.mask,
			    ms_first: r.ms[0], ms_median: median(r.ms),
			    ms_min: Math.min(...r.ms) });
		}
	} finally {
		await browser.close();
		srv.close();
	}
	process.stdout.write(JSON.stringify({ version, cpu_inference: o.cpu,
	    load_ms: loadMs, results }) + "\n");
}

main().catch((e) => {
	process.stderr.write("pose_ref: " + (e && e.stack ? e.stack : e) + "\n");
	process.exit(1);
});
