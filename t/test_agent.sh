#!/usr/bin/env bash
# Contour B: `primerka-batch --agent URL` with a configuration of nothing
# but the provider's keys (no database, no storage credentials) runs the
# provider-facing part of try-ons and animations that a contour-A worker
# with [worker] agents = yes handed over at QUEUED, against the FASHN
# emulator, through nginx's agent location and the agent API.  Covered:
# end to end (a try-on, one in a location, an animation: one debit each,
# the results stored where the API serves them), an agent killed mid-job
# (the lease expires, contour A rescues, the next agent resumes FASHN's
# job: finished once, one prediction, one debit), a presigned PUT that
# fails (nothing is completed without its output; the job is retried
# cleanly), a revoked token (401, and the agent stops), an unreachable
# API waited out, and bad agent API input (4xx JSON, never 5xx).  One
# agent process carrying 16 parked jobs at once (all complete once, one
# debit each, faster than one after another; --agent-jobs bounds it),
# presigned URLs refreshed under the lease (s3rver refuses an expired
# one: a 7 s job with 4 s URLs completes only with fresh ones), and the
# database's provider slots shared by the worker and an agent
# ([fashn] max_concurrency 2: FASHN never sees more than 2), given back
# on a cancel at QUEUED and after a killed agent's jobs are rescued.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BATCH="$ROOT/primerka-batch"
export PRIMERKA_CONFIG
ADMIN() { "$ROOT/primerka-admin" "$@"; }
fails() { ! "$@" >/dev/null 2>&1; }

EMU="" AGENT="" SWAPPED=""
RUNDIR="$PRIMERKA_VAR/run"
# restart_fcgi [ENV=VALUE...]: contour A's API again, with these settings.
restart_fcgi() {
	local pid
	pid=$(cat "$RUNDIR/fcgi.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$RUNDIR/primerka.sock"
	env "$@" PRIMERKA_CONFIG="$PRIMERKA_CONFIG" setsid nohup "$ROOT/primerka.fcgi" \
		--listen "$RUNDIR/primerka.sock" --pidfile "$RUNDIR/fcgi.pid" \
		>>"$PRIMERKA_VAR/log/fcgi.log" 2>&1 &
	for _ in $(seq 1 50); do [ -S "$RUNDIR/primerka.sock" ] && break; sleep 0.1; done
	SWAPPED=${1:-}
}
stop_all() {
	[ -z "$SWAPPED" ] || restart_fcgi
	resume_stack_worker
	[ -z "$AGENT" ] || { kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null; }
	[ -z "$EMU" ] || { kill "$EMU" 2>/dev/null; wait "$EMU" 2>/dev/null; }
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap stop_all EXIT

KEY="emu-$RANDOM$RANDOM"
node "$ROOT/t/emulators/fashn/server.js" 0 --key "$KEY" --queue-ms 50 \
	--run-ms 150 >"$TMP/fashn.port" 2>"$TMP/fashn.log" &
EMU=$!
for _ in $(seq 1 100); do [ -s "$TMP/fashn.port" ] && break; sleep 0.05; done
FASHN="http://127.0.0.1:$(head -1 "$TMP/fashn.port")"
if ! [[ $FASHN =~ :[0-9]+$ ]]; then
	bad "the FASHN emulator did not start"
	summary
	exit 1
fi
emu() { curl -sS -X "$1" "$FASHN$2" "${@:3}"; }
pause_stack_worker

# The agent's whole configuration: the provider and its keys.  ([qc]
# model only because a checkout keeps the NSFW weights in models/, not
# where the package installs them.)
cat >"$TMP/agent.conf" <<EOF
[worker]
provider = fashn
[fashn]
base_url = $FASHN/v1
api_key = $KEY
poll_min_ms = 20
poll_max_ms = 50
[qc]
model = $ROOT/models/nsfw_mobilenet_v2.bin
EOF
# run_agent TOKEN_FILE [URL]: an agent in the background with nothing of
# contour A's environment (no database URL, no S3 keys); sets AGENT.
run_agent() {
	env -i PATH="$PATH" PRIMERKA_CONFIG="${AGENT_CONF:-$TMP/agent.conf}" \
		"$BATCH" --agent "${2:-$PRIMERKA_URL}" --agent-token-file "$1" \
		${AGENT_ARGS:-} >>"$TMP/agent.log" 2>&1 &
	AGENT=$!
}
stop_agent() {
	[ -z "$AGENT" ] || { kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null; }
	AGENT=""
}
# Contour A's worker: runs a job's first stages and hands it over.
contour_a() {
	PRIMERKA_WORKER_AGENTS=yes "$BATCH" --once --max-seconds 30 --max-jobs 1 \
		>>"$TMP/worker.log" 2>&1
}
# contour_a_n N: hand N jobs over.
contour_a_n() {
	PRIMERKA_WORKER_AGENTS=yes "$BATCH" --once --max-seconds 60 --max-jobs "$1" \
		>>"$TMP/worker.log" 2>&1
}
wait_until() {	# wait_until SECONDS SQL: until SQL says t
	for _ in $(seq 1 $(($1 * 10))); do
		[ "$(db "$2")" = t ] && return 0
		sleep 0.1
	done
	return 1
}
slots() { db "SELECT count(*) FROM jobs WHERE slot_provider IS NOT NULL"; }
maxrun() { emu GET /__stats | jq -r .max_running; }
newjobs() {	# newjobs N: N new try-ons, their ids comma-separated
	local ids=""
	for _ in $(seq 1 "$1"); do ids="$ids${ids:+,}$(new_tryon)"; done
	echo "$ids"
}
count() {	# count IDS STATUS
	db "SELECT count(*) FROM jobs WHERE id IN ($1) AND status = '$2'"
}
ndebits() { db "SELECT count(*) FROM ledger WHERE job_id IN ($1) AND kind = 'debit'"; }
wait_status() {	# JOB STATUS...: wait (30 s at most) for one of them
	local s
	for _ in $(seq 1 300); do
		s=$(db "SELECT status FROM jobs WHERE id = $1")
		for w in "${@:2}"; do [ "$s" = "$w" ] && return 0; done
		sleep 0.1
	done
	return 1
}
state() { db "SELECT status || ':' || coalesce(error_code, '') || ':' || attempts FROM jobs WHERE id = $1"; }
debits() { db "SELECT count(*) FROM ledger WHERE job_id = $1 AND kind = 'debit'"; }
balance() { db "SELECT balance FROM users WHERE id = $U"; }
GKEY=""
created() { emu GET /__stats | jq -r --arg k "$GKEY" '.created[$k] // 0'; }
is_jpeg() { [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' ')" = ffd8ff ]; }
download() { req GET "/$1/$2" -H "$H"; curl -sS -o "$3" "$(jget .result.url)"; }
# areq METHOD PATH TOKEN [curl args]: the agent API; sets code and body.
areq() {
	local m=$1 p=$2 t=$3; shift 3
	req "$m" "/agent$p" -H "Authorization: Bearer $t" "$@"
}

user_with_photo $((378000000 + RANDOM))
GKEY="/outfits/$(db "SELECT image_key FROM outfits WHERE id = $outfit")"
req GET /locations -H "$H"
location=$(jget '.items[0].id')

echo "tokens"
n=$RANDOM$RANDOM
ADMIN add-agent "b1-$n" >"$TMP/tok1" 2>>"$TMP/admin.log"
ADMIN add-agent "b2-$n" >"$TMP/tok2" 2>>"$TMP/admin.log"
T1=$(cat "$TMP/tok1") T2=$(cat "$TMP/tok2")
check "add-agent prints a 64-hex token" grep -Eqx '[0-9a-f]{64}' "$TMP/tok1"
check "only its SHA-256 is stored" [ "$(db "SELECT token_sha256 = encode(sha256('$T1'::bytea), 'hex') AND token_sha256 <> '$T1' FROM agents WHERE name = 'b1-$n'")" = t ]
check "a second agent of the same name is refused" fails ADMIN add-agent "b1-$n"
check "a bad name is refused" fails ADMIN add-agent "no spaces"

echo "bad agent API input: 4xx JSON"
areq POST /claim ""
expect 401 "claim without a token"
req POST /agent/claim -H "$(auth "$U")"
expect 401 "claim with Telegram initData instead of an agent token"
areq POST /claim "$(printf '%064d' 0)"
expect 401 "claim with an unknown token"
areq POST /claim "$T1$T1"
expect 401 "claim with an overlong token"
areq GET /claim "$T1"
expect 405 "GET claim"
areq POST /jobs/1/heartbeat "$T1"
expect 415 "heartbeat without a JSON body"
areq POST /jobs/1/heartbeat "$T1" -H "$JSON" --data '{"lease":'
expect 400 "heartbeat with broken JSON"
areq POST /jobs/1/heartbeat "$T1" -H "$JSON" --data '{}'
expect 400 "heartbeat without a lease"
areq POST /jobs/1/heartbeat "$T1" -H "$JSON" --data '{"lease":"XYZ0000000000000"}'
expect 400 "heartbeat with a malformed lease"
areq POST /jobs/1/heartbeat "$T1" -H "$JSON" --data '{"lease":"0000000000000000","x":1}'
expect 400 "heartbeat with an unknown field"
areq POST /jobs/1/heartbeat "$T1" -H "$JSON" --data '{"lease":"0000000000000000"}'
expect 409 "heartbeat of a job not held"
areq POST /jobs/99999999999/complete "$T1" -H "$JSON" --data '{"lease":"0000000000000000"}'
expect 409 "complete of a job not held"
areq POST /jobs/1/stage "$T1" -H "$JSON" --data '{"lease":"0000000000000000","status":"COMPLETED"}'
expect 400 "stage to COMPLETED (only complete does that)"
areq POST /jobs/1/stage "$T1" -H "$JSON" --data '{"lease":"0000000000000000","credits":{"provider":"fashn","ref":"x","amount":-1}}'
expect 400 "stage with negative credits"
areq POST /jobs/1/fail "$T1" -H "$JSON" --data '{"lease":"0000000000000000","code":"no_such_code"}'
expect 400 "fail with an unknown code"
areq POST /jobs/1/fail "$T1" -H "$JSON" --data '{"lease":"0000000000000000","code":"insufficient_tokens"}'
expect 400 "fail with a code only contour A may set"
areq POST /jobs/1/fail "$T1" -H "$JSON" --data '{"lease":"0000000000000000","code":"provider_error","retryable":"yes"}'
expect 400 "fail with a non-boolean retryable"
areq POST /jobs/abc/fail "$T1" -H "$JSON" --data '{}'
expect 404 "a job id that is not a number"
areq POST /claim "$T1"
expect 200 "claim with nothing handed over"
check "...answers job null" [ "$(jget .job)" = null ]

echo "a try-on end to end: contour A's checks, then the agent"
b0=$(balance)
job=$(new_tryon)
contour_a
check "contour A handed it over at QUEUED, unheld, attempt given back" \
	[ "$(db "SELECT status || ':' || (locked_by IS NULL) || ':' || attempts || ':' || (agent_input ? 'prompt') FROM jobs WHERE id = $job")" = QUEUED:true:0:true ]
check "its history has VALIDATING, MODERATING, PROMPTING in contour A" \
	[ "$(db "SELECT string_agg(status::text, ',' ORDER BY id) FROM job_events WHERE job_id = $job")" = RECEIVED,VALIDATING,MODERATING,PROMPTING,QUEUED ]
contour_a
check "contour A's worker does not take it past QUEUED" [ "$(state "$job")" = QUEUED::0 ]
run_agent "$TMP/tok1"
wait_status "$job" COMPLETED FAILED
check "COMPLETED by the agent, one attempt (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "one debit, balance down by one price" [ "$(debits "$job"):$(balance)" = "1:$((b0 - price))" ]
check "one FASHN prediction" [ "$(created)" = 1 ]
check "the provider's id and credits recorded through the agent API" \
	[ "$(db "SELECT (provider_ref LIKE 'fashn:%')::text || ':' || (SELECT credits FROM job_credits WHERE job_id = $job) FROM jobs WHERE id = $job")" = "true:1.000" ]
check "RUNNING and UPLOADING reported" \
	[ "$(db "SELECT string_agg(status::text, ',' ORDER BY id) FROM job_events WHERE job_id = $job AND status IN ('RUNNING', 'UPLOADING')")" = RUNNING,UPLOADING ]
download tryons "$job" "$TMP/plain.jpg"
check "the result the API serves is a JPEG" is_jpeg "$TMP/plain.jpg"
check "and the thumbnail exists" [ -n "$(db "SELECT 1 FROM jobs WHERE id = $job AND thumb_key LIKE 'tryons/%.thumb.webp'")" ]
plain=$job

echo "a try-on in a location: the agent places the person"
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit,\"location_id\":$location}"
job=$(jget .id)
contour_a
wait_status "$job" COMPLETED FAILED
check "COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "placed in the location by the agent" grep -q "\"msg\":\"result placed in the location\",\"job_id\":\"$job\"" "$TMP/agent.log"
download tryons "$job" "$TMP/placed.jpg"
check "the stored result is the placed one" [ "$(md5sum <"$TMP/placed.jpg")" != "$(md5sum <"$TMP/plain.jpg")" ]

echo "an animation end to end"
b0=$(balance)
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$plain}"
ajob=$(jget .id)
contour_a
wait_status "$ajob" COMPLETED FAILED
check "animation COMPLETED (got $(state "$ajob"))" [ "$(state "$ajob")" = COMPLETED::1 ]
check "animation: one debit" [ "$(debits "$ajob"):$(balance)" = "1:$((b0 - aprice))" ]
download animations "$ajob" "$TMP/video"
check "the video downloads as an MP4" [ "$(head -c 8 "$TMP/video" | tail -c 4)" = ftyp ]
# Nothing on disk: no regular file open but its log.
files=$(for f in /proc/"$AGENT"/fd/*; do readlink "$f"; done 2>/dev/null | grep '^/' | grep -v -e '^/dev/' -e "^$TMP/agent.log" | sort -u)
check "the agent holds no file open but its log (${files:-none})" [ -z "$files" ]
stop_agent

echo "an agent killed mid-job: rescued by contour A, finished once"
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":4000}" >/dev/null
b0=$(balance)
job=$(new_tryon)
contour_a
run_agent "$TMP/tok1"
for _ in $(seq 1 100); do
	[ -n "$(db "SELECT 1 FROM jobs WHERE id = $job AND provider_ref <> ''")" ] && break
	sleep 0.05
done
kill -KILL "$AGENT"; wait "$AGENT" 2>/dev/null; AGENT=""
check "killed in RUNNING with FASHN's id, held by the agent" \
	[ "$(db "SELECT status || ':' || (provider_ref <> '') || ':' || (locked_by LIKE 'agent:b1-$n:%') FROM jobs WHERE id = $job")" = RUNNING:true:true ]
# The lease ([worker] lease, 60 s here) runs out: brought forward.
db "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $job" >/dev/null
contour_a
check "contour A's rescue released it" \
	[ "$(db "SELECT (locked_by IS NULL)::text || ':' || error_message FROM jobs WHERE id = $job")" = "true:lease expired: the worker holding the job was lost" ]
run_agent "$TMP/tok2"
wait_status "$job" COMPLETED FAILED
check "COMPLETED by the next agent on attempt 2 (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::2 ]
check "one prediction paid for (resumed by its id), one debit" \
	[ "$(created):$(debits "$job"):$(balance)" = "1:1:$((b0 - price))" ]
stop_agent

echo "a presigned PUT that fails: never completed without its output"
emu POST /__reset >/dev/null
b0=$(balance)
job=$(new_tryon)
contour_a
areq POST /claim "$T1"
expect 200 "claimed by hand"
lease=$(jget .job.lease)
check "the claim has presigned GETs and PUTs" \
	[ "$(jget '[.job.inputs.user_photo, .job.inputs.outfit, .job.outputs.result.url, .job.outputs.thumb.url] | map(test("X-Amz-Signature=")) | all')" = true ]
put=$(jget .job.outputs.result.url)
d0=$(jget .job.outputs.result.url | grep -o 'X-Amz-Date=[0-9TZ]*')
sleep 1.1
areq POST "/jobs/$job/heartbeat" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\",\"urls\":true}"
expect 200 "fresh presigned URLs with the heartbeat"
d1=$(jget .outputs.result.url | grep -o 'X-Amz-Date=[0-9TZ]*')
check "...signed later than the claim's ($d0, $d1)" [ "$d1" \> "$d0" ]
check "...for every input and output" \
	[ "$(jget '[.inputs.user_photo, .inputs.outfit, .outputs.result.url, .outputs.thumb.url] | map(test("X-Amz-Signature=")) | all')" = true ]
areq POST "/jobs/$job/heartbeat" "$T1" -H "$JSON" --data "{\"lease\":\"0000000000000000\",\"urls\":true}"
expect 409 "fresh URLs refused without the job's lease"
areq POST "/jobs/$job/heartbeat" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\",\"urls\":1}"
expect 400 "urls that is not a boolean"
ctype=$(jget .job.outputs.result.content_type)
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "Content-Type: $ctype" --data-binary "@$TMP/plain.jpg" "${put/\/results\//\/no-such-bucket\/}")
check "a PUT to a wrong URL fails ($code)" [ "$code" = 404 ]
areq POST "/jobs/$job/complete" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\"}"
expect 409 "complete without the outputs"
check "...output_missing, and the job is not COMPLETED" [ "$(jget .error.code):$(state "$job")" = "output_missing:QUEUED::1" ]
areq POST "/jobs/$job/complete" "$T2" -H "$JSON" --data "{\"lease\":\"$lease\"}"
expect 409 "another agent completing with the lease"
areq POST "/jobs/$job/fail" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\",\"code\":\"storage_error\",\"detail\":\"PUT 403\",\"retryable\":true}"
expect 200 "the failure reported"
check "...retried later, not failed, not charged" [ "$(jget .status):$(debits "$job")" = RETRY:0 ]
areq POST "/jobs/$job/heartbeat" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\"}"
expect 409 "the old lease after the retry"
db "UPDATE jobs SET run_after = now() WHERE id = $job" >/dev/null
run_agent "$TMP/tok1"
wait_status "$job" COMPLETED FAILED
check "the retry COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::2 ]
check "one debit" [ "$(debits "$job"):$(balance)" = "1:$((b0 - price))" ]
stop_agent

echo "an agent whose PUTs fail (storage unreachable): retried cleanly"
cp "$TMP/agent.conf" "$TMP/agent-fast.conf"
printf '[s3]\ntimeout = 2\nmax_retries = 0\n' >>"$TMP/agent-fast.conf"
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":1500}" >/dev/null
b0=$(balance)
job=$(new_tryon)
contour_a
AGENT_CONF="$TMP/agent-fast.conf" run_agent "$TMP/tok1"
for _ in $(seq 1 100); do
	[ -n "$(db "SELECT 1 FROM jobs WHERE id = $job AND provider_ref <> ''")" ] && break
	sleep 0.05
done
S3PID=$(cat "$PRIMERKA_VAR/run/s3rver.pid")
kill -STOP "$S3PID"
for _ in $(seq 1 150); do
	[ "$(db "SELECT coalesce(error_code, '') FROM jobs WHERE id = $job")" = storage_error ] && break
	sleep 0.1
done
st=$(state "$job")
kill -CONT "$S3PID"
check "the failed upload was reported: back to the queue, not COMPLETED ($st)" \
	[ "$(db "SELECT (locked_by IS NULL)::text || ':' || status || ':' || error_code FROM jobs WHERE id = $job")" = true:UPLOADING:storage_error ]
check "...and not charged" [ "$(debits "$job")" = 0 ]
db "UPDATE jobs SET run_after = now() WHERE id = $job" >/dev/null
wait_status "$job" COMPLETED FAILED
check "the retry COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::2 ]
check "one prediction (resumed), one debit" [ "$(created):$(debits "$job"):$(balance)" = "1:1:$((b0 - price))" ]
stop_agent

echo "one agent process carries many parked jobs at once"
# [fashn] max_concurrency is 4 unless set: room for all of them here.
restart_fcgi PRIMERKA_FASHN_MAX_CONCURRENCY=100
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":3000}" >/dev/null
N=16
b0=$(balance)
ids=$(newjobs $N)
contour_a_n $N
check "$N handed over" [ "$(db "SELECT count(*) FROM jobs WHERE id IN ($ids) AND status = 'QUEUED' AND agent_input IS NOT NULL")" = $N ]
t0=$(date +%s%N)
run_agent "$TMP/tok1"
wait_until 60 "SELECT bool_and(status IN ('COMPLETED', 'FAILED')) FROM jobs WHERE id IN ($ids)"
ms=$((($(date +%s%N) - t0) / 1000000))
check "all $N COMPLETED by one agent process ($(count "$ids" COMPLETED))" [ "$(count "$ids" COMPLETED)" = $N ]
check "one debit each, $N prices" [ "$(ndebits "$ids"):$(balance)" = "$N:$((b0 - N * price))" ]
check "$N predictions, none paid twice" [ "$(created)" = $N ]
check "held at once: $(maxrun) predictions in flight together" [ "$(maxrun)" -ge 8 ]
check "done in $ms ms, under half of $N one after another (3 s each)" [ "$ms" -lt $((N * 1500)) ]
stop_agent
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":1500}" >/dev/null
ids=$(newjobs 4)
contour_a_n 4
AGENT_ARGS="--agent-jobs 2" run_agent "$TMP/tok1"
wait_until 30 "SELECT bool_and(status IN ('COMPLETED', 'FAILED')) FROM jobs WHERE id IN ($ids)"
check "--agent-jobs 2: 4 COMPLETED, never more than 2 held ($(maxrun) in flight)" \
	[ "$(count "$ids" COMPLETED):$(maxrun)" = 4:2 ]
stop_agent
restart_fcgi

echo "presigned URLs refreshed while a job is parked"
# Contour A's URLs live 4 s; s3rver refuses an expired presigned URL.
restart_fcgi PRIMERKA_WORKER_INPUT_URL_TTL=4
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":7000}" >/dev/null
job=$(new_tryon)
contour_a
areq POST /claim "$T1"
lease=$(jget .job.lease)
put=$(jget .job.outputs.result.url)
ctype=$(jget .job.outputs.result.content_type)
check "the claim says how long its URLs live ($(jget .job.urls_ttl_seconds))" [ "$(jget .job.urls_ttl_seconds)" = 4 ]
sleep 5
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "Content-Type: $ctype" --data-binary "@$TMP/plain.jpg" "$put")
check "a claim's PUT URL 5 s later is refused by the storage ($code)" [ "$code" = 403 ]
areq POST "/jobs/$job/heartbeat" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\",\"urls\":true}"
expect 200 "fresh URLs under the lease"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "Content-Type: $ctype" --data-binary "@$TMP/plain.jpg" "$(jget .outputs.result.url)")
check "...and the refreshed PUT URL is taken ($code)" [ "$code" = 200 ]
areq POST "/jobs/$job/fail" "$T1" -H "$JSON" --data "{\"lease\":\"$lease\",\"code\":\"storage_error\",\"retryable\":true}"
expect 200 "handed back"
db "UPDATE jobs SET run_after = now() WHERE id = $job" >/dev/null
run_agent "$TMP/tok1"
wait_status "$job" COMPLETED FAILED
check "a 7 s job with 4 s URLs COMPLETED by the agent (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::2 ]
c0=$(grep "\"msg\":\"claimed\",\"job_id\":\"$job\"" "$TMP/agent.log" | tail -1 | jq -r .amz_date)
c1=$(grep "\"msg\":\"presigned URLs refreshed\",\"job_id\":\"$job\"" "$TMP/agent.log" | tail -1 | jq -r .amz_date)
check "its PUTs used URLs signed after the claim's ($c0, ${c1:-none})" [ -n "$c1" ] && [ "$c1" \> "$c0" ]
stop_agent
restart_fcgi

echo "provider slots shared by agents and the worker"
restart_fcgi PRIMERKA_FASHN_MAX_CONCURRENCY=2
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":1500}" >/dev/null
b0=$(balance)
wids=$(newjobs 3)
env PRIMERKA_WORKER_PROVIDER=fashn PRIMERKA_FASHN_BASE_URL="$FASHN/v1" \
	PRIMERKA_FASHN_API_KEY="$KEY" PRIMERKA_FASHN_MAX_CONCURRENCY=2 \
	PRIMERKA_FASHN_POLL_MIN_MS=20 PRIMERKA_FASHN_POLL_MAX_MS=50 \
	"$BATCH" --once --max-seconds 60 --max-jobs 3 >>"$TMP/worker.log" 2>&1 &
W=$!
wait_until 30 "SELECT bool_and(status <> 'RECEIVED') FROM jobs WHERE id IN ($wids)"
aids=$(newjobs 6)
contour_a_n 6
run_agent "$TMP/tok1"
wait_until 60 "SELECT bool_and(status IN ('COMPLETED', 'FAILED')) FROM jobs WHERE id IN ($wids,$aids)"
wait "$W"
check "the worker's 3 and the agent's 6 COMPLETED ($(count "$wids" COMPLETED), $(count "$aids" COMPLETED))" \
	[ "$(count "$wids" COMPLETED):$(count "$aids" COMPLETED)" = 3:6 ]
check "one debit each" [ "$(ndebits "$wids,$aids"):$(balance)" = "9:$((b0 - 9 * price))" ]
check "FASHN never had more than 2 in flight, worker and agent together ($(maxrun))" [ "$(maxrun)" = 2 ]
check "...and no slot is left held ($(slots))" [ "$(slots)" = 0 ]
stop_agent

echo "agent slots under cancel and a killed agent"
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":4000}" >/dev/null
ids=$(newjobs 4)
contour_a_n 4
run_agent "$TMP/tok1"
wait_until 20 "SELECT count(*) = 2 FROM jobs WHERE id IN ($ids) AND status = 'QUEUED' AND slot_wanted IS NOT NULL"
held=$(db "SELECT string_agg(id::text, ',') FROM jobs WHERE id IN ($ids) AND slot_provider IS NOT NULL")
check "two of four hold the two slots, two wait in line ($held)" [ "$(slots)" = 2 ]
for j in $(db "SELECT id FROM jobs WHERE id IN ($ids) AND slot_wanted IS NOT NULL"); do
	req POST "/tryons/$j/cancel" -H "$H"
	check "job $j waiting in line is cancelled at QUEUED ($code)" [ "$code" = 200 ]
done
wait_until 20 "SELECT count(*) = 2 FROM jobs WHERE id IN ($held) AND provider_ref <> ''"
kill -KILL "$AGENT"; wait "$AGENT" 2>/dev/null; AGENT=""
check "the killed agent's jobs keep their slots (the vendor still works)" [ "$(slots)" = 2 ]
next=$(newjobs 2)
contour_a_n 2
db "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id IN ($held)" >/dev/null
contour_a
run_agent "$TMP/tok2"
wait_until 60 "SELECT bool_and(status IN ('COMPLETED', 'FAILED')) FROM jobs WHERE id IN ($held,$next)"
check "rescued and resumed, then the next jobs ran: 4 COMPLETED" [ "$(count "$held,$next" COMPLETED)" = 4 ]
check "4 predictions (the rescued ones not paid twice), one debit each" \
	[ "$(created):$(ndebits "$held,$next")" = 4:4 ]
check "no slot left held ($(slots)), never more than 2 in flight ($(maxrun))" [ "$(slots):$(maxrun)" = 0:2 ]
stop_agent
restart_fcgi

echo "a revoked token"
ADMIN revoke-agent "b1-$n" >>"$TMP/admin.log" 2>&1
check "revoke-agent" [ "$(db "SELECT revoked_at IS NOT NULL FROM agents WHERE name = 'b1-$n'")" = t ]
areq POST /claim "$T1"
expect 401 "claim with a revoked token"
check "...named as such" [ "$(jget .error.message)" = "unknown or revoked agent token" ]
check "revoking twice is an error" fails ADMIN revoke-agent "b1-$n"
job=$(new_tryon)
contour_a
run_agent "$TMP/tok1"
for _ in $(seq 1 50); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.1; done
wait "$AGENT"; rc=$?; AGENT=""
check "an agent with the revoked token stops (exit $rc) and says why" \
	[ "$rc" = 1 ] && grep -q "refused the token" "$TMP/agent.log"
check "...and took no job" [ "$(state "$job")" = QUEUED::0 ]

echo "the API unreachable: the agent waits it out"
run_agent "$TMP/tok2" "http://127.0.0.1:1"
sleep 3.5
check "still running after 3.5 s" kill -0 "$AGENT"
check "retrying with a growing pause" grep -q "claim failed (HTTP 0), again in 2 s" "$TMP/agent.log"
stop_agent
run_agent "$TMP/tok2"
wait_status "$job" COMPLETED FAILED
check "a live agent then finishes the waiting job (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
stop_agent

summary
