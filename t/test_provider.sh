#!/usr/bin/env bash
# The hosted-API provider (provider = http) through the whole stack: a
# worker configured for it runs try-ons and an animation against the
# local emulator of the hosted APIs (t/provider_emulator.js), which
# fetches its inputs from the stack's S3 by the presigned URLs it is
# handed.  Covered: a try-on and an animation completed and charged once;
# 429 answers retried; a rejection (PoseError) failing at once, uncharged;
# the provider hanging (job timeout, retried, then FAILED
# provider_timeout, uncharged, never submitted twice); a worker killed
# while the provider works resuming the stored remote id instead of
# paying for a second prediction.  The stack's own --follow worker
# (provider = local) is paused meanwhile.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BATCH="$ROOT/primerka-batch"

EMU=""
stop_all() {
	resume_stack_worker
	[ -n "$EMU" ] && kill "$EMU" 2>/dev/null && wait "$EMU" 2>/dev/null
	rm -rf "$TMP"
}
trap stop_all EXIT

# The emulator on a free loopback port: 30 polls of "processing" per
# prediction, so that a worker can be killed while one is under way.
KEY="emu-$RANDOM$RANDOM"
coproc EMUP { exec node "$ROOT/t/provider_emulator.js" 0 --key "$KEY" --steps 30; }
EMU=$EMUP_PID
read -r -t 10 EPORT <&"${EMUP[0]}" || EPORT=""
if ! [[ $EPORT =~ ^[0-9]+$ ]]; then
	bad "the emulator did not start"
	summary
	exit 1
fi
EURL="http://127.0.0.1:$EPORT"
emu() { curl -sS -X "$1" "$EURL$2" "${@:3}"; }
pause_stack_worker

export PRIMERKA_CONFIG PRIMERKA_WORKER_LEASE=2
export PRIMERKA_WORKER_PROVIDER=http
export PRIMERKA_PROVIDER_HTTP_BASE_URL=$EURL
export PRIMERKA_PROVIDER_HTTP_API_KEY=$KEY
export PRIMERKA_PROVIDER_HTTP_POLL_MIN_MS=20
export PRIMERKA_PROVIDER_HTTP_POLL_MAX_MS=50
export PRIMERKA_PROVIDER_HTTP_RETRY_BASE_MS=50
export PRIMERKA_PROVIDER_HTTP_RETRY_MAX_MS=200
export PRIMERKA_PROVIDER_HTTP_JOB_TIMEOUT_MS=20000
worker() { "$BATCH" --once --max-seconds 60 "$@" >>"$TMP/worker.log" 2>&1; }

user_with_photo $((376000000 + RANDOM))

balance() { db "SELECT balance FROM users WHERE id = $U"; }
debits() { db "SELECT count(*) FROM ledger WHERE job_id = $1 AND kind = 'debit'"; }
# The emulator's scripting key: the path of the garment URL it is given.
GKEY="/outfits/$(db "SELECT image_key FROM outfits WHERE id = $outfit")"
submits() { emu GET /__stats | jq -r --arg k "$1" '.submits[$k] // 0'; }
# A try-on run by one --once worker with the emulator scripted by $1
# (JSON without the key), after a reset; sets job and b0 (the balance
# before).
scripted_tryon() {
	emu POST /__reset >/dev/null
	[ -z "$1" ] || emu POST /__script -d "{\"key\":\"$GKEY\",$1}" >/dev/null
	b0=$(balance)
	job=$(new_tryon)
	worker --max-jobs 1
}

echo "a try-on through the hosted API"
scripted_tryon ""
st=$(db "SELECT status || ':' || coalesce(error_code, '') FROM jobs WHERE id = $job")
check "COMPLETED (got $st)" [ "$st" = "COMPLETED:" ]
check "one debit, balance down by one price" [ "$(debits "$job"):$(balance)" = "1:$((b0 - price))" ]
check "one prediction submitted for it" [ "$(submits "$GKEY")" = 1 ]
check "the remote id is stored on the job" \
	[ -n "$(db "SELECT provider_ref FROM jobs WHERE id = $job AND provider_ref <> ''")" ]
emu GET /__stats >"$TMP/stats"
mi=$(jq -r --arg k "$GKEY" '(.bodies[$k].inputs // .bodies[$k]).model_image // empty' "$TMP/stats")
gi=$(jq -r --arg k "$GKEY" '(.bodies[$k].inputs // .bodies[$k]).garment_image // empty' "$TMP/stats")
exp=$(sed -n 's/.*[?&]X-Amz-Expires=\([0-9]*\).*/\1/p' <<<"$mi")
presigned() {
	[ -n "$exp" ] && [ "$exp" -le 3600 ] && [[ $gi == *X-Amz-Signature=* ]] &&
		[[ $mi == "http://127.0.0.1:$PRIMERKA_S3_PORT/user-photos/"* ]] &&
		[[ $gi == "http://127.0.0.1:$PRIMERKA_S3_PORT$GKEY?"* ]]
}
check "the provider got short-lived presigned URLs of the stack's S3 (expiry ${exp:-none} s)" presigned
req GET "/tryons/$job" -H "$H"
rurl=$(jget .result.url)
curl -sS -o "$TMP/result" "$rurl"
check "the result downloads as a JPEG" [ "$(head -c 3 "$TMP/result" | od -An -tx1 | tr -d ' ')" = ffd8ff ]
tryon_done=$job

echo "an animation through the hosted video API"
b0=$(balance)
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$tryon_done}"
ajob=$(jget .id)
worker --max-jobs 1
st=$(db "SELECT status || ':' || coalesce(error_code, '') FROM jobs WHERE id = $ajob")
check "animation COMPLETED (got $st)" [ "$st" = "COMPLETED:" ]
check "animation: one debit" [ "$(debits "$ajob"):$(balance)" = "1:$((b0 - aprice))" ]
req GET "/animations/$ajob" -H "$H"
curl -sS -o "$TMP/video" "$(jget .result.url)"
check "the video downloads as an MP4" [ "$(head -c 8 "$TMP/video" | tail -c 4)" = ftyp ]

echo "429 from the hosted API: retried, then completed"
scripted_tryon '"submit":[429,503]'
check "COMPLETED after two refusals" [ "$(db "SELECT status FROM jobs WHERE id = $job")" = COMPLETED ]
check "three submissions, one prediction, one debit" \
	[ "$(submits "$GKEY"):$(emu GET /__stats | jq -r --arg k "$GKEY" '.created[$k] // 0'):$(debits "$job")" = "3:1:1" ]

echo "the hosted API rejects the photo (PoseError)"
scripted_tryon '"outcome":"fail","error_name":"PoseError","error_message":"no pose"'
st=$(db "SELECT status || ':' || error_code || ':' || attempts FROM jobs WHERE id = $job")
check "FAILED provider_rejected in one attempt (got $st)" [ "$st" = FAILED:provider_rejected:1 ]
check "no charge for it" [ "$(debits "$job"):$(balance)" = "0:$b0" ]
req GET "/tryons/$job" -H "$H" -H "Accept-Language: ru"
check "the user is told what to do" [ -n "$(jget '.error.message // empty')" ]

echo "the hosted API hangs: job timeout, retried, FAILED provider_timeout"
emu POST /__reset >/dev/null
emu POST /__script -d "{\"key\":\"$GKEY\",\"outcome\":\"hang\"}" >/dev/null
b0=$(balance)
job=$(new_tryon)
db "UPDATE jobs SET max_attempts = 2 WHERE id = $job" >/dev/null
t0=$(date +%s)
# --once ends when nothing is ready: the retry waits out its backoff.
for _ in $(seq 1 20); do
	PRIMERKA_PROVIDER_HTTP_JOB_TIMEOUT_MS=1500 worker --max-jobs 1
	[ "$(db "SELECT status FROM jobs WHERE id = $job")" = FAILED ] && break
	sleep 0.5
done
t1=$(date +%s)
st=$(db "SELECT status || ':' || error_code || ':' || attempts FROM jobs WHERE id = $job")
check "FAILED provider_timeout after 2 attempts (got $st, $((t1 - t0)) s)" [ "$st" = FAILED:provider_timeout:2 ]
check "no charge for it" [ "$(debits "$job"):$(balance)" = "0:$b0" ]
check "the second attempt polled the same prediction (1 submission)" [ "$(submits "$GKEY")" = 1 ]
check "the retry is in the history" \
	[ "$(db "SELECT count(*) FROM job_events WHERE job_id = $job AND status = 'RUNNING'")" = 2 ]

echo "a worker killed while the hosted API works resumes the remote id"
emu POST /__reset >/dev/null
b0=$(balance)
job=$(new_tryon)
"$BATCH" --once --max-jobs 1 >>"$TMP/worker.log" 2>&1 &
wpid=$!
for _ in $(seq 1 100); do
	[ -n "$(db "SELECT 1 FROM jobs WHERE id = $job AND provider_ref <> ''")" ] && break
	sleep 0.05
done
kill -KILL $wpid; wait $wpid 2>/dev/null
ref=$(db "SELECT provider_ref FROM jobs WHERE id = $job")
check "killed in $(db "SELECT status FROM jobs WHERE id = $job") with a remote id (${ref:-none})" [ -n "$ref" ]
sleep 2.5	# the lease (2 s) expires
worker --max-jobs 1
st=$(db "SELECT status || ':' || attempts FROM jobs WHERE id = $job")
check "COMPLETED on the second attempt (got $st)" [ "$st" = COMPLETED:2 ]
check "one prediction paid for, one debit" [ "$(submits "$GKEY"):$(debits "$job"):$(balance)" = "1:1:$((b0 - price))" ]
check "the same remote id was polled to the end" \
	[ "$(emu GET /__stats | jq -r --arg r "$ref" '.polls[$r] // 0')" -gt 30 ]

if [ "$fail" != 0 ]; then
	echo "--- worker log (tail)"
	tail -n 30 "$TMP/worker.log"
fi
summary
