#!/usr/bin/env node
/*
 * nsfw_ref.js: the reference for lib/nsfw.c — run the nsfwjs 4.4.0
 * MobileNetV2 model through @tensorflow/tfjs and print JSON.
 *
 *   node t/nsfw_ref.js [--backend wasm|cpu] [--threads N] [--repeat N]
 *                      [--rgb W H] FILE [[--rgb W H] FILE]...
 *
 * FILE is a raw little-endian float32 tensor of 224x224x3 (NHWC, RGB,
 * [0,1]) fed to model.predict() as is, so the comparison with the C code
 * does not depend on any resizing.  "--rgb W H FILE" (applies to that one
 * file) makes FILE raw 8-bit RGB of W x H pixels that goes through
 * nsfwjs's own preprocessing (NSFWJS.infer: /255,
 * tf.image.resizeBilinear alignCorners) instead.
 *
 * The wasm backend loads its .wasm files from the local node_modules (no
 * download).  --threads 1 (the default) selects the single-threaded SIMD
 * build, which is the fair comparison for the single-threaded C code.
 *
 * Output (stdout, one JSON object):
 *   {"backend", "threads", "simd", "load_ms", "classes": [...],
 *    "results": [{"file", "probs": [5 numbers in class order],
 *                 "ms_first", "ms_median", "ms_min"}]}
 * Everything else (tfjs banners, nsfwjs notices) goes to stderr.
 */
"use strict";

/*
 * tfjs and nsfwjs chat on stdout; keep stdout for the JSON.  nsfwjs's
 * console.info notices about model hosting are dropped.
 */
const out = process.stdout.write.bind(process.stdout);
console.log = console.warn = (...a) =>
    process.stderr.write(a.map(String).join(" ") + "\n");
console.info = () => {};

const fs = require("fs");

function usage() {
	process.stderr.write("usage: nsfw_ref.js [--backend wasm|cpu] " +
	    "[--threads N] [--repeat N] [--rgb W H] FILE...\n");
	process.exit(2);
}

function parseArgs(argv) {
	const o = { backend: "wasm", threads: 1, repeat: 1, files: [] };
	let rgb = null;
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const num = (s) => {
			const n = Number(s);
			if (!Number.isInteger(n) || n < 1 || n > 100000)
				usage();
			return n;
		};
		if (a === "--backend" && i + 1 < argv.length)
			o.backend = argv[++i];
		else if (a === "--threads" && i + 1 < argv.length)
			o.threads = num(argv[++i]);
		else if (a === "--repeat" && i + 1 < argv.length)
			o.repeat = num(argv[++i]);
		else if (a === "--rgb" && i + 2 < argv.length) {
			rgb = [num(argv[i + 1]), num(argv[i + 2])];
			i += 2;
		} else if (a.startsWith("--"))
			usage();
		else {
			o.files.push({ path: a, rgb });
			rgb = null;
		}
	}
	if (o.files.length === 0 || !["wasm", "cpu"].includes(o.backend))
		usage();
	return o;
}

function median(xs) {
	const s = xs.slice().sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	const tf = require("@tensorflow/tfjs");
	let simd = null;
	if (o.backend === "wasm") {
		const wasm = require("@tensorflow/tfjs-backend-wasm");
		if (o.threads === 1)
			tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
		else
			wasm.setThreadsCount(o.threads);
	}
	if (!(await tf.setBackend(o.backend)))
		throw new Error("cannot initialise the " + o.backend + " backend");
	await tf.ready();
	if (o.backend === "wasm")
		simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
	const nsfwjs = require("nsfwjs");
	const t0 = performance.now();
	const model = await nsfwjs.load("MobileNetV2");
	const loadMs = performance.now() - t0;

	const results = [];
	for (const { path: file, rgb } of o.files) {
		const buf = fs.readFileSync(file);
		let input, run;
		if (rgb) {
			const [w, h] = rgb;
			if (buf.length !== w * h * 3)
				throw new Error(file + ": expected " + w * h * 3 +
				    " bytes");
			input = tf.tensor3d(new Int32Array(Uint8Array.from(buf)),
			    [h, w, 3], "int32");
			run = () => model.infer(input);
		} else {
			if (buf.length !== 224 * 224 * 3 * 4)
				throw new Error(file + ": expected a 224x224x3 " +
				    "float32 tensor");
			const f = new Float32Array(224 * 224 * 3);
			for (let i = 0; i < f.length; i++)
				f[i] = buf.readFloatLE(i * 4);
			input = tf.tensor4d(f, [1, 224, 224, 3]);
			run = () => model.model.predict(input);
		}
		const ms = [];
		let probs = null;
		for (let r = 0; r < o.repeat; r++) {
			const s = performance.now();
			const y = run();
			const d = await y.data();
			ms.push(performance.now() - s);
			y.dispose();
			if (probs === null)
				probs = Array.from(d);
		}
		input.dispose();
		results.push({ file, rgb, probs, ms_first: ms[0],
		    ms_median: median(ms), ms_min: Math.min(...ms) });
	}
	out(JSON.stringify({ backend: tf.getBackend(), threads: o.threads,
	    simd, load_ms: loadMs,
	    classes: ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"],
	    results }) + "\n");
}

main().catch((e) => {
	process.stderr.write("nsfw_ref: " + (e && e.stack ? e.stack : e) + "\n");
	process.exit(1);
});
