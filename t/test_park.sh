#!/usr/bin/env bash
# Parked remote jobs, provider slots and vendor webhooks through the
# stack, against the FASHN and Replicate emulators: a worker killed while
# 50 jobs are parked (every one finishes once, one debit each, no
# prediction paid twice); provider slots under cancel, failure and crash
# (none leaks: the next jobs still run); webhooks real (a job finishes
# long before its next timed check), forged (unknown token, a lying
# body), replayed, late (for a finished job), and Replicate's signed ones
# (a bad or stale signature is refused).  The stack's own --follow worker
# (provider = local) is paused meanwhile; [api] public_url points back at
# the stack (scripts/dev-stack).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BATCH="$ROOT/primerka-batch"

EMUS="" WORKERS=""
stop_all() {
	for p in $WORKERS; do kill -TERM "$p" 2>/dev/null; done
	for p in $WORKERS; do wait "$p" 2>/dev/null; done
	resume_stack_worker
	for p in $EMUS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap stop_all EXIT

KEY="emu-$RANDOM$RANDOM"
conf() {	# conf SECTION KEY: a value of the stack's configuration
	awk -F ' = ' -v sec="[$1]" -v key="$2" '/^\[/ { s = $0 }
	    s == sec && $1 == key { print $2 }' "$PRIMERKA_CONFIG"
}
SECRET=$(conf replicate webhook_secret)
# start_emu VAR NAME ARGS...: the vendor's emulator on a free port, its
# URL in VAR (not in a subshell: stop_all must know its pid).
start_emu() {
	local var=$1 n=$2; shift 2
	node "$ROOT/t/emulators/$n/server.js" 0 --key "$KEY" "$@" \
		>"$TMP/$n.port" 2>"$TMP/$n.log" &
	EMUS="$EMUS $!"
	for _ in $(seq 1 100); do
		[ -s "$TMP/$n.port" ] && break
		sleep 0.05
	done
	printf -v "$var" 'http://127.0.0.1:%s' "$(head -1 "$TMP/$n.port")"
}
start_emu FASHN fashn --queue-ms 50 --run-ms 3000
start_emu REP replicate --queue-ms 50 --run-ms 1500 --webhook-secret "$SECRET"
emu() { curl -sS -X "$2" "$1$3" "${@:4}"; }
if ! [[ $FASHN =~ :[0-9]+$ && $REP =~ :[0-9]+$ ]] || [ -z "$SECRET" ]; then
	bad "the emulators did not start, or no [replicate] webhook_secret"
	summary
	exit 1
fi
pause_stack_worker

export PRIMERKA_CONFIG PRIMERKA_WORKER_LEASE=5
export PRIMERKA_FASHN_BASE_URL=$FASHN PRIMERKA_FASHN_API_KEY=$KEY
export PRIMERKA_REPLICATE_BASE_URL=$REP PRIMERKA_REPLICATE_API_TOKEN=$KEY
export PRIMERKA_WORKER_PROVIDER=fashn
export PRIMERKA_FASHN_RETRY_BASE_MS=50 PRIMERKA_FASHN_MAX_RETRIES=2
# FASHN's concurrency is the account's; here as many as the test runs.
export PRIMERKA_FASHN_MAX_CONCURRENCY=100
# follow: a supervised worker in the background (its pid in $!).
follow() {
	"$BATCH" --follow "$@" >>"$TMP/worker.log" 2>&1 &
	WORKERS="$WORKERS $!"
}
stop_worker() {	# stop_worker PID [SIGNAL]: the supervisor and its processes
	local kids
	kids=$(pgrep -P "$1" | tr '\n' ' ')
	kill "-${2:-TERM}" "$1" $kids 2>/dev/null
	wait "$1" 2>/dev/null
}
user_with_photo $((379000000 + RANDOM))
status_of() { db "SELECT status || ':' || coalesce(error_code, '') FROM jobs WHERE id = $1"; }
debits() { db "SELECT count(*) FROM ledger WHERE kind = 'debit' AND job_id IN ($1)"; }
wait_until() {	# wait_until SECONDS SQL: until SQL says t
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		[ "$(db "$2")" = t ] && return 0
		sleep 0.3
	done
	return 1
}
# jobs N: N try-ons of the user, as the API makes them; their ids, a,b,c
jobs() {
	local i ids=""
	for i in $(seq 1 "$1"); do
		ids="$ids,$(new_tryon)"
	done
	echo "${ids#,}"
}
slots() { db "SELECT count(*) FROM jobs WHERE slot_provider IS NOT NULL"; }

echo "a worker killed while 50 jobs are parked"
emu "$FASHN" POST /__reset >/dev/null
b0=$(db "SELECT balance FROM users WHERE id = $U")
GKEY="/outfits/$(db "SELECT image_key FROM outfits WHERE id = $outfit")"
# Long predictions, timed checks far apart, no webhooks: the jobs stay
# parked while the worker takes the next ones.
emu "$FASHN" POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":40000}" >/dev/null
ids=$(jobs 55)
PRIMERKA_FASHN_POLL_MIN_MS=4000 PRIMERKA_FASHN_POLL_MAX_MS=8000 \
	PRIMERKA_API_PUBLIC_URL= follow
w=$!
parked() { db "SELECT count(*) FROM jobs WHERE id IN ($ids) AND parked AND status = 'RUNNING'"; }
wait_until 90 "SELECT count(*) >= 50 FROM jobs WHERE id IN ($ids) AND parked AND status = 'RUNNING'"
n=$(parked)
check "50 or more parked at once by one worker process ($n)" [ "$n" -ge 50 ]
check "...each with the vendor's id" [ "$(db "SELECT bool_and(provider_ref LIKE 'fashn:%') FROM jobs WHERE id IN ($ids) AND parked AND status = 'RUNNING'")" = t ]
check "...and holding no worker: one process ($(pgrep -P "$w" | wc -l))" [ "$(pgrep -P "$w" | wc -l)" = 1 ]
stop_worker "$w" KILL
follow
w=$!
wait_until 150 "SELECT bool_and(status = 'COMPLETED') FROM jobs WHERE id IN ($ids)"
st=$(db "SELECT string_agg(DISTINCT status::text, ',') FROM jobs WHERE id IN ($ids)")
check "after the kill every one COMPLETED ($st)" [ "$st" = COMPLETED ]
check "...one debit each" [ "$(debits "$ids")" = 55 ]
check "...the balance down by exactly 55 prices" [ "$(db "SELECT balance FROM users WHERE id = $U")" = $((b0 - 55 * price)) ]
created=$(emu "$FASHN" GET /__stats | jq '[.created[]] | add')
check "...no prediction paid twice ($created for 55 jobs)" [ "$created" = 55 ]
check "...no attempt lost to parking ($(db "SELECT max(attempts) FROM jobs WHERE id IN ($ids)"))" \
	[ "$(db "SELECT max(attempts) FROM jobs WHERE id IN ($ids)")" -le 2 ]
stop_worker "$w"

echo "webhooks: FASHN's wakes the job at once"
emu "$FASHN" POST /__reset >/dev/null
# Without the webhook the first check would come 60 s after the submit.
PRIMERKA_FASHN_POLL_MIN_MS=60000 PRIMERKA_FASHN_POLL_MAX_MS=60000 follow
w=$!
t0=$SECONDS
job=$(new_tryon)
wait_until 40 "SELECT status = 'COMPLETED' FROM jobs WHERE id = $job"
took=$((SECONDS - t0))
check "COMPLETED in $took s, before the first timed check" [ "$(status_of "$job")" = COMPLETED: ] && [ "$took" -lt 40 ]
stats=$(emu "$FASHN" GET /__stats)
check "FASHN got a webhook_url of the stack's" \
	grep -q "^http://127.0.0.1:$PRIMERKA_PORT/api/v1/hooks/fashn/" <<<"$(jq -r '[.headers[].webhook_url] | .[0]' <<<"$stats")"
check "...its webhook was answered 200" [ "$(jq -r '.hooks["200"] // 0' <<<"$stats")" -ge 1 ]
hook=$(jq -r '[.headers[].webhook_url] | .[0]' <<<"$stats")
hpath=${hook#http://127.0.0.1:$PRIMERKA_PORT}
tok=${hpath##*/}
check "only a hash of the token is stored" \
	[ "$(db "SELECT count(*) FROM jobs WHERE hook_token_hash = '$tok'"):$(db "SELECT count(*) FROM jobs WHERE id = $job AND hook_token_hash = encode(sha256(convert_to('$tok', 'UTF8')), 'hex')")" = 0:1 ]
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$hook" -H "$JSON" -d '{"status":"completed"}')
check "a late webhook for the finished job: 200, nothing changes ($code)" [ "$code" = 200 ] && [ "$(debits "$job")" = 1 ]
req POST "${hpath#/api/v1}x" -H "$JSON" -d '{}'
expect 404 "a token one character off"
req POST "/hooks/fashn/$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" -H "$JSON" -d '{}'
expect 404 "an unknown token"
req POST "/hooks/acme/${hpath##*/}" -H "$JSON" -d '{}'
expect 404 "another provider's name with the token"
req GET "${hpath#/api/v1}"
expect 405 "GET on a webhook"

echo "webhooks: forged and replayed ones change nothing"
job=$(new_tryon)
wait_until 20 "SELECT parked AND hook_token_hash IS NOT NULL FROM jobs WHERE id = $job"
hook=$(emu "$FASHN" GET /__stats | jq -r '[.headers[].webhook_url] | .[-1]')
polls0=$(emu "$FASHN" GET /__stats | jq '[.polls[]] | add // 0')
lie="{\"id\":\"x\",\"status\":\"completed\",\"output\":[\"http://127.0.0.1:9/forged.png\"]}"
for _ in 1 2 3; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$hook" -H "$JSON" -d "$lie")
done
sleep 1
polls1=$(emu "$FASHN" GET /__stats | jq '[.polls[]] | add // 0')
check "a forged body sent 3 times: 200, the job asked FASHN ($polls0 -> $polls1 polls) and stays RUNNING" \
	[ "$code" = 200 ] && [ "$polls1" -gt "$polls0" ] && [ "$(status_of "$job")" = RUNNING: ]
wait_until 40 "SELECT status = 'COMPLETED' FROM jobs WHERE id = $job"
check "...then completes with FASHN's own result, charged once" [ "$(status_of "$job"):$(debits "$job")" = COMPLETED::1 ]
stop_worker "$w"

echo "webhooks: Replicate's, signed"
export PRIMERKA_PROVIDERS_TRYON=replicate
PRIMERKA_REPLICATE_POLL_MIN_MS=60000 PRIMERKA_REPLICATE_POLL_MAX_MS=60000 follow
w=$!
t0=$SECONDS
job=$(new_tryon)
wait_until 40 "SELECT status = 'COMPLETED' FROM jobs WHERE id = $job"
check "COMPLETED by its webhook in $((SECONDS - t0)) s" [ "$(status_of "$job")" = COMPLETED: ]
emu "$REP" GET /__stats > "$TMP/rep.json"
check "the signed delivery was answered 200" [ "$(jq -r '.hooks["200"] // 0' "$TMP/rep.json")" -ge 1 ]
url=$(jq -r .last_hook.url "$TMP/rep.json")
jq -j .last_hook.body "$TMP/rep.json" > "$TMP/hook.body"
hdr() { jq -r ".last_hook.headers[\"$1\"]" "$TMP/rep.json"; }
post() { curl -sS -o /dev/null -w '%{http_code}' -X POST "$url" -H "$JSON" --data-binary "@$TMP/hook.body" "$@"; }
code=$(post -H "webhook-id: $(hdr webhook-id)" -H "webhook-timestamp: $(hdr webhook-timestamp)" -H "webhook-signature: $(hdr webhook-signature)")
check "the same delivery replayed: 200, a no-op for a finished job ($code)" [ "$code" = 200 ] && [ "$(debits "$job")" = 1 ]
code=$(post -H "webhook-id: $(hdr webhook-id)" -H "webhook-timestamp: $(hdr webhook-timestamp)" -H "webhook-signature: v1,$(head -c 32 /dev/urandom | base64)")
check "a wrong signature: 401 ($code)" [ "$code" = 401 ]
code=$(post)
check "no signature headers: 401 ($code)" [ "$code" = 401 ]
old=$(( $(date +%s) - 3600 ))
sig=$(printf '%s.%s.%s' "$(hdr webhook-id)" "$old" "$(cat "$TMP/hook.body")" |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')" -binary | base64)
code=$(post -H "webhook-id: $(hdr webhook-id)" -H "webhook-timestamp: $old" -H "webhook-signature: v1,$sig")
check "correctly signed but an hour old: 401 ($code)" [ "$code" = 401 ]
stop_worker "$w"
unset PRIMERKA_PROVIDERS_TRYON

echo "provider slots: cancel, failure and crash give them back"
emu "$FASHN" POST /__reset >/dev/null
export PRIMERKA_FASHN_MAX_CONCURRENCY=2 PRIMERKA_FASHN_POLL_MIN_MS=300 PRIMERKA_FASHN_POLL_MAX_MS=600
emu "$FASHN" POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":3000}" >/dev/null
follow
w=$!
ids=$(jobs 6)
wait_until 30 "SELECT count(*) = 2 FROM jobs WHERE id IN ($ids) AND slot_provider IS NOT NULL"
check "two of six hold the two slots ($(slots))" [ "$(slots)" = 2 ]
waiting=$(db "SELECT string_agg(id::text, ' ' ORDER BY id) FROM jobs WHERE id IN ($ids) AND status = 'QUEUED' AND slot_wanted IS NOT NULL")
check "...the others wait in line, parked in QUEUED ($waiting)" [ -n "$waiting" ]
for j in $(cut -d' ' -f1-2 <<<"$waiting"); do
	req POST "/tryons/$j/cancel" -H "$H"
	check "job $j waiting in line is cancelled at QUEUED ($code)" [ "$code" = 200 ]
done
wait_until 60 "SELECT bool_and(status IN ('COMPLETED', 'FAILED')) FROM jobs WHERE id IN ($ids)"
st=$(db "SELECT string_agg(status || ':' || coalesce(error_code, ''), ',' ORDER BY id) FROM jobs WHERE id IN ($ids)")
check "the rest still run: 4 COMPLETED, 2 cancelled ($st)" \
	[ "$(tr ',' '\n' <<<"$st" | grep -c '^COMPLETED:$'):$(tr ',' '\n' <<<"$st" | grep -c ':cancelled$')" = 4:2 ]
check "...and no slot is left held ($(slots))" [ "$(slots)" = 0 ]
emu "$FASHN" POST /__script -d "{\"key\":\"$GKEY\",\"outcome\":\"fail\",\"error_name\":\"PoseError\"}" >/dev/null
ids=$(jobs 3)
wait_until 60 "SELECT bool_and(status = 'FAILED') FROM jobs WHERE id IN ($ids)"
check "three failed at the vendor, one after another on two slots ($(db "SELECT string_agg(DISTINCT error_code, ',') FROM jobs WHERE id IN ($ids)"))" \
	[ "$(db "SELECT string_agg(DISTINCT status || ':' || error_code, ',') FROM jobs WHERE id IN ($ids)")" = FAILED:photo_pose ]
check "...their slots given back ($(slots))" [ "$(slots)" = 0 ]
emu "$FASHN" POST /__script -d "{\"key\":\"$GKEY\",\"run_ms\":4000}" >/dev/null
ids=$(jobs 4)
wait_until 30 "SELECT count(*) = 2 FROM jobs WHERE id IN ($ids) AND slot_provider IS NOT NULL"
stop_worker "$w" KILL
check "a worker killed while two jobs hold the slots ($(slots))" [ "$(slots)" = 2 ]
follow
w=$!
wait_until 90 "SELECT bool_and(status = 'COMPLETED') FROM jobs WHERE id IN ($ids)"
check "...all four complete after the restart ($(db "SELECT string_agg(DISTINCT status::text, ',') FROM jobs WHERE id IN ($ids)"))" \
	[ "$(db "SELECT string_agg(DISTINCT status::text, ',') FROM jobs WHERE id IN ($ids)")" = COMPLETED ]
check "...one debit each, no slot left held" [ "$(debits "$ids"):$(slots)" = 4:0 ]
stop_worker "$w"

summary
