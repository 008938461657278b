#!/usr/bin/env bash
# Integration test of the worker: a job killed (SIGKILL) in each stage is
# rescued after its lease expires and finishes COMPLETED exactly once with
# exactly one debit; storage failures are retried with backoff and end
# FAILED without a charge; a provider rejection fails at once; --once
# drains and exits.  The stack's own --follow worker is paused meanwhile.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BATCH="$ROOT/primerka-batch"
export PRIMERKA_CONFIG PRIMERKA_WORKER_LEASE=2

pause_stack_worker
user_with_photo $((365000000 + RANDOM))
balance() { db "SELECT balance FROM users WHERE id = $U"; }

echo "SIGKILL in each stage"
for stage in VALIDATING MODERATING PROMPTING QUEUED RUNNING UPLOADING; do
	b0=$(balance)
	job=$(new_tryon)
	PRIMERKA_WORKER_PAUSE_AT=$stage "$BATCH" --once --max-jobs 1 >>"$TMP/worker.log" 2>&1 &
	wpid=$!
	for _ in $(seq 1 100); do
		[ "$(db "SELECT status::text || attempts FROM jobs WHERE id = $job")" = "${stage}1" ] && break
		sleep 0.1
	done
	sleep 0.2
	kill -KILL $wpid; wait $wpid 2>/dev/null
	held=$(db "SELECT status || ':' || (locked_by IS NOT NULL) FROM jobs WHERE id = $job")
	sleep 2.5	# the lease (2 s) expires
	"$BATCH" --once --max-seconds 30 >>"$TMP/worker.log" 2>&1
	st=$(db "SELECT status FROM jobs WHERE id = $job")
	debits=$(db "SELECT count(*) FROM ledger WHERE job_id = $job AND kind = 'debit'")
	attempts=$(db "SELECT attempts FROM jobs WHERE id = $job")
	check "killed in $stage ($held): COMPLETED, 1 debit, 2 attempts (got $st, $debits, $attempts)" \
		[ "$st:$debits:$attempts" = "COMPLETED:1:2" ]
	check "killed in $stage: balance down by exactly one price" [ "$(balance)" = $((b0 - price)) ]
	hist=$(db "SELECT string_agg(status::text, ',' ORDER BY id) FROM job_events WHERE job_id = $job")
	check "killed in $stage: the restart is in the history" grep -q "$stage,VALIDATING" <<<"$hist"
done

echo "a job killed in every attempt ends FAILED, uncharged"
b0=$(balance)
job=$(new_tryon)
db "UPDATE jobs SET max_attempts = 2 WHERE id = $job" >/dev/null
for i in 1 2; do
	PRIMERKA_WORKER_PAUSE_AT=RUNNING "$BATCH" --once --max-jobs 1 >>"$TMP/worker.log" 2>&1 &
	wpid=$!
	for _ in $(seq 1 100); do
		[ "$(db "SELECT status::text || attempts FROM jobs WHERE id = $job")" = "RUNNING$i" ] && break
		sleep 0.1
	done
	sleep 0.2
	kill -KILL $wpid; wait $wpid 2>/dev/null
	sleep 2.5
done
"$BATCH" --once --max-seconds 10 >>"$TMP/worker.log" 2>&1
check "third claim fails it: attempts_exhausted" [ "$(db "SELECT status || ':' || error_code FROM jobs WHERE id = $job")" = FAILED:attempts_exhausted ]
check "no charge for it" [ "$(balance)" = "$b0" ]

echo "S3 down: retries with backoff, then FAILED without a charge"
b0=$(balance)
job=$(new_tryon)
db "UPDATE jobs SET max_attempts = 2 WHERE id = $job" >/dev/null
S3PID=$(cat "$PRIMERKA_VAR/run/s3rver.pid")
kill -STOP "$S3PID"
PRIMERKA_S3_TIMEOUT=1 timeout 60 "$BATCH" --once --max-seconds 4 >>"$TMP/worker.log" 2>&1
kill -CONT "$S3PID"
st=$(db "SELECT status || ':' || coalesce(error_code, '') || ':' || attempts || ':' || (run_after > now()) FROM jobs WHERE id = $job")
check "first attempt failed, retry scheduled later ($st)" grep -qE "^VALIDATING:storage_error:1:(t|true)$" <<<"$st"
kill -STOP "$S3PID"
sleep 3
PRIMERKA_S3_TIMEOUT=1 timeout 60 "$BATCH" --once --max-seconds 4 >>"$TMP/worker.log" 2>&1
kill -CONT "$S3PID"
st=$(db "SELECT status || ':' || error_code FROM jobs WHERE id = $job")
check "second attempt exhausted them ($st)" [ "$st" = FAILED:attempts_exhausted ]
check "no charge for the failure" [ "$(balance)" = "$b0" ]
req GET "/tryons/$job" -H "$H"
check "the user sees a human message" [ "$(jget .error.message | wc -c)" -gt 20 ]

echo "provider rejects the inputs: FAILED at once, no retry"
S="$PRIMERKA_VAR/s3/outfits"
shop=$(db "SELECT shop_id FROM outfits WHERE id = $outfit")
ADMINU=$((U + 17000000))	# 377000000 + a random offset
PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" set-role "$ADMINU" admin >/dev/null
HA=$(auth "$ADMINU")
req POST /outfits -H "$HA" -H "$JSON" --data "{\"title\":\"Broken\",\"shop_id\":$shop}"
bo=$(jget .id)
req PUT "/outfits/$bo/image" -H "$HA" -H "Content-Type: image/png" --data-binary "@$D/product_tshirt_mockup.png"
key=$(db "SELECT image_key FROM outfits WHERE id = $bo")
head -c 5000 "$D/product_tshirt_mockup.png" > "$S/$key._S3rver_object"	# corrupt the stored object
b0=$(balance)
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$bo}"
job=$(jget .id)
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1
st=$(db "SELECT status || ':' || error_code || ':' || attempts FROM jobs WHERE id = $job")
check "rejected input: FAILED after one attempt ($st)" [ "$st" = FAILED:provider_rejected:1 ]
check "no charge" [ "$(balance)" = "$b0" ]

echo "--once drains what is ready and exits"
ids=""
for i in 1 2 3; do ids="$ids $(new_tryon)"; done
t0=$(date +%s)
"$BATCH" --once --concurrency 2 --max-seconds 60 >>"$TMP/worker.log" 2>&1
rc=$?
left=$(db "SELECT count(*) FROM jobs WHERE id IN ($(echo $ids | tr ' ' ',')) AND status <> 'COMPLETED'")
check "--once exit 0 after draining (rc $rc, $(( $(date +%s) - t0 )) s)" [ "$rc:$left" = "0:0" ]

echo "SIGTERM: the worker finishes its job and stops"
job=$(new_tryon)
"$BATCH" --follow >>"$TMP/worker.log" 2>&1 &
wpid=$!
sleep 0.3
kill -TERM $wpid
wait $wpid; rc=$?
check "exit 0 on SIGTERM" [ "$rc" = 0 ]
st=$(db "SELECT status || ':' || (locked_by IS NULL) FROM jobs WHERE id = $job")
check "the job is not left held ($st)" grep -qE "^(COMPLETED|RECEIVED):(t|true)$" <<<"$st"
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1

if [ "$fail" != 0 ]; then echo "--- worker log"; tail -30 "$TMP/worker.log"; fi
summary
