#!/usr/bin/env node
/*
 * pose_compare.js: compare lib/pose.c (t/pose_dump output, JSON lines)
 * with MediaPipe's wasm solution (t/pose_ref.js output) image by image.
 *
 *   node t/pose_compare.js REF.json C.jsonl [--tol 0.01] [--iou 0.95]
 *
 * A landmark counts when the reference sees it (visibility >= 0.5) and
 * it lies inside the image; it passes when |dx| <= tol * width and
 * |dy| <= tol * height.  Masks are compared at 0.5 (128): intersection
 * over union of the two person regions.  Prints one line per image and
 * "N passed, M failed"; exits 1 on any failure.
 */
"use strict";

const fs = require("fs");

function main() {
	const a = process.argv.slice(2);
	let tol = 0.01, minIou = 0.95;
	const files = [];
	for (let i = 0; i < a.length; i++) {
		if (a[i] === "--tol")
			tol = Number(a[++i]);
		else if (a[i] === "--iou")
			minIou = Number(a[++i]);
		else
			files.push(a[i]);
	}
	if (files.length !== 2 || !(tol > 0) || !(minIou > 0)) {
		process.stderr.write("usage: pose_compare.js REF.json C.jsonl " +
		    "[--tol T] [--iou I]\n");
		process.exit(2);
	}
	const ref = JSON.parse(fs.readFileSync(files[0], "utf8")).results;
	const mine = fs.readFileSync(files[1], "utf8").split("\n")
	    .filter((l) => l.trim()).map((l) => JSON.parse(l));
	let pass = 0, fail = 0;
	for (const r of ref) {
		const name = r.file.split("/").pop();
		const c = mine.find((m) => m.file.split("/").pop() === name);
		const bad = [];
		if (!c)
			bad.push("not run");
		else if (!r.landmarks !== !c.landmarks)
			bad.push("landmarks " + (r.landmarks ? "missing" :
			    "unexpected"));
		let worst = 0, counted = 0, iou = null;
		if (c && r.landmarks && c.landmarks) {
			for (let i = 0; i < 33; i++) {
				const [x, y, , v] = r.landmarks[i];
				if (v < 0.5 || x < 0 || y < 0 || x >= r.w || y >= r.h)
					continue;
				counted++;
				const e = Math.max(Math.abs(c.landmarks[i][0] - x) / r.w,
				    Math.abs(c.landmarks[i][1] - y) / r.h);
				worst = Math.max(worst, e);
				if (e > tol)
					bad.push("landmark " + i + " off by " +
					    e.toFixed(4));
			}
			if (counted === 0)
				bad.push("no visible landmark to compare");
		}
		if (c && r.mask && c.mask) {
			const rm = Buffer.from(r.mask, "base64");
			const cm = fs.readFileSync(c.mask);
			if (rm.length !== cm.length)
				bad.push("mask sizes differ");
			else {
				let inter = 0, uni = 0;
				for (let i = 0; i < rm.length; i++) {
					const p = rm[i] >= 128, q = cm[i] >= 128;
					inter += p && q;
					uni += p || q;
				}
				iou = uni ? inter / uni : 1;
				if (iou < minIou)
					bad.push("mask IoU " + iou.toFixed(4));
			}
		} else if (c && (!r.mask !== !c.mask))
			bad.push("mask " + (r.mask ? "missing" : "unexpected"));
		const what = name + ": " + counted + " visible landmarks, worst " +
		    worst.toFixed(4) + " of the image size, mask IoU " +
		    (iou === null ? "-" : iou.toFixed(4));
		if (bad.length) {
			fail++;
			console.log("  FAIL " + what + ": " + bad.slice(0, 5)
			    .join("; "));
		} else {
			pass++;
			console.log("  ok   " + what);
		}
	}
	console.log(pass + " passed, " + fail + " failed");
	process.exit(fail ? 1 : 0);
}

main();
