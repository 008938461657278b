#!/usr/bin/env node
/*
 * How soon a client sees a finished job: for N try-ons, the time from
 * the commit of COMPLETED (job_events.at) to the moment a client polling
 * as the Mini App does (web/js/poll_delay.js: poll_after_ms within
 * 1-8 s, If-None-Match) receives it.  Prints the median and p95.
 *
 *   node bench/poll_latency.mjs local|hosted N
 *
 * Runs against the stack in the environment (bench/poll-latency starts
 * one); starts its own workers: the local provider, or the hosted API
 * provider against t/provider_emulator.js tuned to about 8 s a job.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextDelay } from '../web/js/poll_delay.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODE = process.argv[2] || 'local';
const N = Number(process.argv[3] || 30);
const API = process.env.PRIMERKA_URL.replace(/\/?$/, '/') + 'api/v1/';
const DB = process.env.PRIMERKA_DATABASE_URL;
const WARMUP = 4;
const CLIENTS = MODE === 'hosted' ? 3 : 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];

function sql(q) {
	return execFileSync('psql', ['-qtAX', DB, '-c', q], { encoding: 'utf8' }).trim();
}

function initData(uid) {
	return execFileSync(path.join(ROOT, 'scripts', 'dev-initdata'), [String(uid)], { encoding: 'utf8' }).trim();
}

async function call(method, p, auth, body, headers = {}) {
	const h = Object.assign({ Authorization: 'tma ' + auth }, headers);
	let b;
	if (body instanceof Buffer) {
		h['Content-Type'] = 'image/jpeg';
		b = body;
	} else if (body !== undefined) {
		h['Content-Type'] = 'application/json';
		b = JSON.stringify(body);
	}
	const r = await fetch(API + p, { method, headers: h, body: b });
	const text = await r.text();
	return { status: r.status, etag: r.headers.get('etag'), data: text ? JSON.parse(text) : null };
}

/* Start a child; resolve with its first stdout line when wantLine. */
function start(cmd, args, env, wantLine) {
	const c = spawn(cmd, args, { env: Object.assign({}, process.env, env),
	    stdio: ['ignore', 'pipe', 'ignore'] });
	children.push(c);
	if (!wantLine) {
		c.stdout.resume();
		return Promise.resolve(null);
	}
	return new Promise((resolve, reject) => {
		let buf = '';
		c.stdout.on('data', (d) => {
			buf += d;
			const i = buf.indexOf('\n');
			if (i >= 0) {
				resolve(buf.slice(0, i));
				c.stdout.resume();
			}
		});
		c.on('exit', () => reject(new Error(cmd + ' exited')));
	});
}

/* One try-on followed as the Mini App follows it: {delay, polls}. */
async function one(auth, photo, outfit) {
	const r = await call('POST', 'tryons', auth, { user_photo_id: photo, outfit_id: outfit });
	if (r.status !== 202)
		throw new Error('POST /tryons: ' + r.status + ' ' + JSON.stringify(r.data));
	let job = r.data, etag = r.etag, estimate = job.poll_after_ms, at = Date.now();
	let attempt = 0, polls = 0;
	while (job.status !== 'COMPLETED' && job.status !== 'FAILED') {
		await sleep(nextDelay(estimate, at, Date.now(), attempt++));
		const g = await call('GET', 'tryons/' + job.id, auth, undefined,
		    etag ? { 'If-None-Match': etag } : {});
		polls++;
		if (g.status === 200) {
			job = g.data;
			etag = g.etag;
			estimate = job.poll_after_ms;
			at = Date.now();
		}
	}
	const seen = Date.now();
	if (job.status !== 'COMPLETED')
		throw new Error('job ' + job.id + ' FAILED: ' + JSON.stringify(job.error));
	const commit = Number(sql(`SELECT (extract(epoch FROM at) * 1000)::bigint FROM job_events WHERE job_id = ${job.id} AND status = 'COMPLETED' ORDER BY id DESC LIMIT 1`));
	return { delay: seen - commit, polls, total: seen - Date.parse(job.created_at) };
}

function pct(xs, p) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

async function main() {
	const uid = 992000000 + Math.floor(Math.random() * 1000000);
	execFileSync(path.join(ROOT, 'scripts', 'demo-data'), [String(uid), '1000000'], { stdio: 'ignore' });
	const auth = initData(uid);
	const up = await call('POST', 'photos', auth, readFileSync(path.join(ROOT, 't', 'data', 'people_fullbody_outdoor.jpg')));
	const outfit = (await call('GET', 'outfits', auth)).data.items[0].id;
	const env = { PRIMERKA_CONFIG: process.env.PRIMERKA_CONFIG };
	if (MODE === 'hosted') {
		const key = 'bench-key';
		/* About 8 s: 16 polls of "processing", one every 500 ms. */
		const port = await start('node', [path.join(ROOT, 't', 'provider_emulator.js'), '0', '--key', key, '--steps', '16'], {}, true);
		Object.assign(env, {
			PRIMERKA_WORKER_PROVIDER: 'http',
			PRIMERKA_PROVIDER_HTTP_BASE_URL: 'http://127.0.0.1:' + port,
			PRIMERKA_PROVIDER_HTTP_API_KEY: key,
			PRIMERKA_PROVIDER_HTTP_POLL_MIN_MS: '500',
			PRIMERKA_PROVIDER_HTTP_POLL_MAX_MS: '500',
		});
	}
	await start(path.join(ROOT, 'primerka-batch'), ['--follow', '--concurrency', String(CLIENTS)], env, false);
	console.log(`primerka bench/poll_latency: ${MODE} provider, ${N} try-ons, ${CLIENTS} clients and workers`);
	/* Stage durations the server can estimate from, then past its cache. */
	for (let i = 0; i < WARMUP; i++)
		await one(auth, up.data.id, outfit);
	await sleep(11000);
	const res = [];
	let next = 0;
	await Promise.all(Array.from({ length: CLIENTS }, async () => {
		while (next < N) {
			next++;
			res.push(await one(auth, up.data.id, outfit));
		}
	}));
	const d = res.map((r) => r.delay);
	const tot = res.map((r) => r.total);
	console.log(`job duration: median ${pct(tot, 0.5)} ms`);
	console.log(`polls per job: mean ${(res.reduce((a, r) => a + r.polls, 0) / res.length).toFixed(1)}`);
	console.log(`COMPLETED committed -> seen by the client: median ${pct(d, 0.5)} ms, p95 ${pct(d, 0.95)} ms, max ${Math.max(...d)} ms (n=${d.length})`);
}

main().catch((e) => {
	console.error('bench/poll_latency: ' + e.message);
	process.exitCode = 1;
}).finally(() => {
	for (const c of children)
		c.kill('SIGTERM');
});
