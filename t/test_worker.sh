#!/usr/bin/env bash
# Integration test of the worker: a job killed (SIGKILL) in each stage is
# rescued after its lease expires and finishes COMPLETED exactly once with
# exactly one debit; storage failures are retried with backoff and end
# FAILED without a charge; a provider rejection fails at once; --once
# drains and exits; jobs claimed together complete together, each debited
# once, also batch after batch (each completed with the next one's claim)
# and as a set exactly as one by one; with provider slots limited, jobs
# cancelled at QUEUED (waiting for a slot, or holding one) give their
# slot back and the next jobs still run, and a slot wait past [worker]
# slot_wait fails the job uncharged.
# A pending photo claimed by another checker is left alone until its
# lease runs out.
# The stack's own --follow worker is paused meanwhile.
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
PRIMERKA_S3_TIMEOUT=1 timeout -k 5 60 "$BATCH" --once --max-seconds 4 >>"$TMP/worker.log" 2>&1
kill -CONT "$S3PID"
st=$(db "SELECT status || ':' || coalesce(error_code, '') || ':' || attempts || ':' || (run_after > now()) FROM jobs WHERE id = $job")
check "first attempt failed, retry scheduled later ($st)" grep -qE "^VALIDATING:storage_error:1:(t|true)$" <<<"$st"
kill -STOP "$S3PID"
sleep 3
PRIMERKA_S3_TIMEOUT=1 timeout -k 5 60 "$BATCH" --once --max-seconds 4 >>"$TMP/worker.log" 2>&1
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
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1	# its NSFW verdict first
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

echo "claimed jobs completed together (--noop --batch: one transaction)"
b0=$(balance)
ids=$(db "INSERT INTO jobs (kind, user_id, outfit_id, cost) SELECT 'tryon', $U, $outfit, 3 FROM generate_series(1, 5) RETURNING id" | paste -sd,)
poor=$(db "INSERT INTO jobs (kind, user_id, outfit_id, cost) VALUES ('tryon', $U, $outfit, $((b0 + 100))) RETURNING id")
"$BATCH" --once --noop --batch 64 --concurrency 2 --max-seconds 60 >>"$TMP/worker.log" 2>&1
st=$(db "SELECT string_agg(status || ':' || (SELECT count(*) FROM ledger l WHERE l.job_id = j.id AND l.kind = 'debit'), ',') FROM jobs j WHERE id IN ($ids)")
check "every job COMPLETED with one debit ($st)" [ "$st" = COMPLETED:1,COMPLETED:1,COMPLETED:1,COMPLETED:1,COMPLETED:1 ]
check "the balance down by exactly their cost" [ "$(balance)" = $((b0 - 15)) ]
st=$(db "SELECT status || ':' || coalesce(error_code, '') || ':' || (SELECT count(*) FROM ledger l WHERE l.job_id = $poor) FROM jobs WHERE id = $poor")
check "the one the balance cannot cover FAILED, uncharged, in the same batch ($st)" [ "$st" = FAILED:insufficient_tokens:0 ]
"$BATCH" --once --noop --batch 64 --max-seconds 20 >>"$TMP/worker.log" 2>&1
check "a second run charges nothing more" [ "$(balance)" = $((b0 - 15)) ]
b0=$(balance)
ids=$(db "INSERT INTO jobs (kind, user_id, outfit_id, cost) SELECT 'tryon', $U, $outfit, 2 FROM generate_series(1, 9) RETURNING id" | paste -sd,)
"$BATCH" --once --noop --batch 2 --concurrency 2 --max-seconds 60 >>"$TMP/worker.log" 2>&1
st=$(db "SELECT count(*) FILTER (WHERE status = 'COMPLETED') || ':' || (SELECT count(*) FROM ledger l WHERE l.job_id IN ($ids) AND l.kind = 'debit') FROM jobs WHERE id IN ($ids)")
check "batches of 2, each completed with the next one's claim: 9 COMPLETED, 9 debits ($st)" [ "$st" = 9:9 ]
check "...the balance down by exactly their cost" [ "$(balance)" = $((b0 - 18)) ]

echo "a batch completed as a set ends exactly as job_complete() one by one"
# Per user, in the order given: costs 1, 5, 0, 2, 1 against a balance of
# 4 (the 5 is not covered, the jobs after it are), a job another worker
# holds, a repeated id, and a second user's jobs between them.  The same
# batch through job_complete() job by job must leave the same results,
# statuses, ledger rows and balances.
batch_case() {	# $1: user base id, $2: many|one -> the outcome, one line
	local u1=$1 u2=$(($1 + 1)) ids
	db "INSERT INTO users (id, balance) VALUES ($u1, 4), ($u2, 1)" >/dev/null
	ids=$(db "WITH c(k, u, cost, w) AS (VALUES (1, $u1, 1, 'w'), (2, $u2, 1, 'w'), (3, $u1, 5, 'w'), (4, $u1, 0, 'w'), (5, $u2, 3, 'w'), (6, $u1, 2, 'w'), (7, $u1, 1, 'other'), (8, $u1, 1, 'w')) INSERT INTO jobs (kind, user_id, outfit_id, cost, status, locked_by, locked_until, attempts) SELECT 'tryon', u, $outfit, cost, 'UPLOADING', w, now() + interval '1 hour', 1 FROM c ORDER BY k RETURNING id" | paste -sd,)
	ids="$ids,$(cut -d, -f1 <<<"$ids")"	# the first one again
	if [ "$2" = many ]; then
		db "SELECT string_agg(coalesce(r.result, 'lost_lease'), ',' ORDER BY x.n) FROM unnest('{$ids}'::bigint[]) WITH ORDINALITY x(id, n) LEFT JOIN job_complete_many('w', '{$ids}', array_fill('k'::text, ARRAY[9]), NULL) r ON r.n = x.n"
	else
		db "SELECT string_agg(job_complete(x.id, 'w', 'k', NULL), ',' ORDER BY x.n) FROM unnest('{$ids}'::bigint[]) WITH ORDINALITY x(id, n)"
	fi
	db "SELECT string_agg(status || ':' || coalesce(error_code, '') || ':' || coalesce(result_key, '') || ':' || (locked_by IS NULL), ',' ORDER BY id) FROM jobs WHERE user_id IN ($u1, $u2)"
	db "SELECT string_agg(user_id - $u1 || ':' || amount || ':' || balance_after || ':' || note, ',' ORDER BY id) FROM ledger WHERE user_id IN ($u1, $u2)"
	db "SELECT string_agg(balance::text, ',' ORDER BY id) FROM users WHERE id IN ($u1, $u2)"
}
base=$((366000000 + RANDOM * 4))
many=$(batch_case "$base" many | paste -sd' ')
one=$(batch_case $((base + 2)) one | paste -sd' ')
check "the same results, jobs, ledger and balances ($many)" [ "$many" = "$one" ]
check "...which are the sequential ones" grep -q "^completed,completed,insufficient_tokens,completed,insufficient_tokens,completed,lost_lease,completed,lost_lease .* 0,0$" <<<"$many"

echo "a batch waits for its users' balances to hold still (no stale balance)"
u1=$((base + 4))
db "INSERT INTO users (id, balance) VALUES ($u1, 3)" >/dev/null
ids=$(db "INSERT INTO jobs (kind, user_id, outfit_id, cost, status, locked_by, locked_until, attempts) SELECT 'tryon', $u1, $outfit, 1, 'UPLOADING', 'w', now() + interval '1 hour', 1 FROM generate_series(1, 3) RETURNING id" | paste -sd,)
# Another transaction takes 2 tokens while the batch is under way: the
# batch must see the balance after it (1), not the one before (3).
( $PSQL -c "BEGIN" -c "UPDATE users SET balance = balance - 2 WHERE id = $u1" -c "SELECT pg_sleep(1)" -c "COMMIT" >/dev/null ) &
rpid=$!
sleep 0.3
out=$(db "SELECT string_agg(r.result, ',' ORDER BY r.n) FROM job_complete_many('w', '{$ids}', '{k,k,k}', NULL) r")
wait $rpid
st=$(db "SELECT (SELECT balance FROM users WHERE id = $u1) || ':' || (SELECT string_agg(balance_after::text, ',' ORDER BY id) FROM ledger WHERE user_id = $u1)")
check "one job debited from the balance left, two FAILED ($out, $st)" [ "$out:$st" = "completed,insufficient_tokens,insufficient_tokens:0:0" ]
db "DELETE FROM jobs WHERE locked_by IN ('w', 'other') AND user_id BETWEEN $base AND $u1" >/dev/null

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

echo "supervision: a dead worker process is replaced, SIGHUP reloads"
kids_of() { pgrep -P "$1" | sort | tr '\n' ' '; }
cp "$PRIMERKA_CONFIG" "$TMP/sv.conf"
PRIMERKA_CONFIG="$TMP/sv.conf" "$BATCH" --follow --concurrency 2 >"$TMP/sv.log" 2>&1 &
wpid=$!
for _ in $(seq 1 30); do [ "$(kids_of $wpid | wc -w)" = 2 ] && break; sleep 0.1; done
k1=$(kids_of $wpid)
victim=${k1%% *}
kill -KILL "$victim"
for _ in $(seq 1 40); do
	k2=$(kids_of $wpid)
	[ "$(wc -w <<<"$k2")" = 2 ] && ! grep -qw "$victim" <<<"$k2" && break
	sleep 0.1
done
check "a killed worker process is replaced ($k1-> $k2)" \
	bash -c '[ "$(wc -w <<<"$1")" = 2 ] && ! grep -qw "$2" <<<"$1"' _ "$k2" "$victim"
check "...and the parent logs it" grep -q "batch worker $victim died (killed by signal 9)" "$TMP/sv.log"
job=$(new_tryon)
kill -HUP $wpid
# A process replaces itself after its job: on a loaded machine that job
# may take a while.
for _ in $(seq 1 300); do
	k3=$(kids_of $wpid)
	bash -c '[ "$(wc -w <<<"$1")" = 2 ] || exit 1; for p in $2; do grep -qw "$p" <<<"$1" && exit 1; done; exit 0' _ "$k3" "$k2" && break
	sleep 0.2
done
check "SIGHUP replaces every worker process ($k2-> $k3)" \
	bash -c '[ "$(wc -w <<<"$1")" = 2 ] || exit 1; for p in $2; do grep -qw "$p" <<<"$1" && exit 1; done; exit 0' _ "$k3" "$k2"
for _ in $(seq 1 100); do [ "$(db "SELECT status FROM jobs WHERE id = $job")" = COMPLETED ] && break; sleep 0.2; done
check "...and a job submitted meanwhile completes" [ "$(db "SELECT status FROM jobs WHERE id = $job")" = COMPLETED ]
printf '[limits]\nphoto_min_side = huge\n' >> "$TMP/sv.conf"
kill -HUP $wpid
sleep 1.5
check "a reload with a bad configuration keeps the processes" [ "$(kids_of $wpid)" = "$k3" ]
check "...and says why" grep -q "reload refused" "$TMP/sv.log"
kill -TERM $wpid; wait $wpid
# A process that cannot start is restarted with a growing pause.
PRIMERKA_QC_MODEL=/nonexistent/model.bin "$BATCH" --follow >"$TMP/loop.log" 2>&1 &
wpid=$!
sleep 8
kill -TERM $wpid; wait $wpid 2>/dev/null
deaths=$(grep -c "batch worker .* died" "$TMP/loop.log")
check "a crash loop backs off: $deaths restarts in 8 s, pauses of 2 and 4 s" \
	bash -c '[ "$1" -le 5 ] && grep -q "crash loop, restarting in 2 s" "$2" && grep -q "crash loop, restarting in 4 s" "$2"' _ "$deaths" "$TMP/loop.log"

echo "catalogue images: the NSFW verdict (the worker for the API's, primerka-admin at once)"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }
# A threshold of 0 makes the classifier reject any image: the policy at
# work without an explicit picture in the repository.
STRICT="PRIMERKA_QC_NSFW_MAX=0"
new_outfit_image() {
	req POST /outfits -H "$HA" -H "$JSON" --data "{\"title\":\"$1\",\"shop_id\":$shop}"
	local id
	id=$(jget .id)
	req PUT "/outfits/$id/image" -H "$HA" -H "Content-Type: image/png" --data-binary "@$D/product_tshirt_mockup.png"
	echo "$id"
}
verdict() { db "SELECT active || ':' || (nsfw_checked_at IS NOT NULL) || ':' || coalesce(qc->'nsfw'->>'checked', '-') FROM $1 WHERE id = $2"; }
clean=$(new_outfit_image "Clean $U")
flagged=$(new_outfit_image "Flagged $U")
check "an API upload waits for the verdict, not public meanwhile" \
	[ "$(verdict outfits "$flagged"):$(curl -s -o /dev/null -w '%{http_code}' "$API/outfits/$flagged" -H "$H")" = "true:false:false:404" ]
req GET "/outfits?limit=100&shop_id=$shop" -H "$H"
check "...nor listed" [ "$(jq --argjson id "$flagged" '[.items[] | select(.id == $id)] | length' <<<"$body")" = 0 ]
req GET "/outfits/$flagged" -H "$HA"
check "...its staff see it, marked pending" [ "$code:$(jget .moderation)" = "200:pending" ]
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$flagged}"
expect 404 "...and it cannot be tried on"
req POST /events -H "$H" -H "$JSON" --data "{\"kind\":\"view\",\"outfit_id\":$flagged}"
check "...nor counted in statistics" [ "$(jget .recorded)" = 0 ]
db "UPDATE outfits SET nsfw_checked_at = now() WHERE nsfw_checked_at IS NULL AND id <> $flagged" >/dev/null
env $STRICT "$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1
check "rejected by the classifier: withdrawn, verdict kept ($(verdict outfits "$flagged"))" \
	[ "$(verdict outfits "$flagged")" = "false:true:true" ]
req GET "/outfits/$flagged" -H "$H"
expect 404 "a withdrawn outfit is gone from the catalogue"
check "the withdrawal is logged" grep -q "catalogue image rejected, item withdrawn.*\"id\":\"$flagged\"" "$TMP/worker.log"
db "UPDATE outfits SET nsfw_checked_at = NULL WHERE id = $clean" >/dev/null
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1
check "accepted by the classifier: stays, verdict kept ($(verdict outfits "$clean"))" \
	[ "$(verdict outfits "$clean")" = "true:true:true" ]
req PUT "/outfits/$clean/image" -H "$HA" -H "Content-Type: image/png" --data-binary "@$D/product_tshirt_mockup.png"
check "a new image waits for a new verdict" [ "$(verdict outfits "$clean")" = "true:false:false" ]
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1
check "...and gets it" [ "$(verdict outfits "$clean")" = "true:true:true" ]

n0=$(db "SELECT count(*) FROM outfits")
s0=$(find "$S" -name '*._S3rver_object' | wc -l)
out=$(env $STRICT PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" add-outfit "$shop" \
	"$D/product_tshirt_mockup.png" --title "Admin flagged $U" 2>&1); rc=$?
refused() { [ "$rc" = 1 ] && grep -q ": nsfw: " <<<"$out"; }
check "primerka-admin refuses a rejected image with its reason (rc $rc)" refused
check "...and stores nothing" [ "$(db "SELECT count(*) FROM outfits"):$(find "$S" -name '*._S3rver_object' | wc -l)" = "$n0:$s0" ]
id=$(env $STRICT PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" add-outfit "$shop" \
	"$D/product_tshirt_mockup.png" --title "Admin forced $U" --force 2>/dev/null)
check "--force stores it, judged (${id:-none}: $(verdict outfits "${id:-0}"))" \
	[ "$(verdict outfits "${id:-0}")" = "true:true:true" ]
id=$(ADMIN add-outfit "$shop" "$D/product_coffee_cup.png" --title "Not a garment $U" 2>"$TMP/err")
not_garment() { [ -z "$id" ] && grep -q "primerka-admin: .*: rejected" "$TMP/err"; }
check "an image that is not a garment is refused (${id:-nothing stored})" not_garment
id=$(ADMIN add-location "$D/scene_interior_living_room.jpg" --title "Room $U" --tags "mine")
tags=$(db "SELECT array_to_string(tags, ',') || '|' || description FROM locations WHERE id = ${id:-0}")
described() {
	[ "$(verdict locations "${id:-0}")" = "true:true:true" ] && grep -qE "(^|,)mine(,|\|)" <<<"$tags" &&
		[ "$(tr ',' '\n' <<<"${tags%%|*}" | wc -l)" -ge 3 ] && [ -n "${tags#*|}" ]
}
check "a location from primerka-admin: judged, automatic tags and description ($tags)" described

echo "provider slots: jobs cancelled at QUEUED, the slot wait's deadline"
# One slot.  Worker 1 (--follow, long lease) takes job A and stops itself
# in QUEUED holding the slot; worker 2 takes job C and waits for it.
user_with_photo $((368000000 + RANDOM))
b0=$(balance)
export PRIMERKA_PROVIDER_LOCAL_MAX_CONCURRENCY=1
slot_locks() {	# provider slots held (db/019_parked_jobs.sql)
	db "SELECT count(*) FROM jobs WHERE slot_provider IS NOT NULL"
}
status_of() { db "SELECT status || ':' || coalesce(error_code, '') FROM jobs WHERE id = $1"; }
wait_for() {	# wait_for JOB STATUS: up to 15 s
	for _ in $(seq 1 150); do
		[ "$(db "SELECT status FROM jobs WHERE id = $1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }	# gone PID: it has exited
stopped() {	# stopped PID: up to 10 s for it to stop itself
	for _ in $(seq 1 100); do
		grep -q '^State:[[:space:]]*T' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
ja=$(new_tryon)
PRIMERKA_WORKER_LEASE=60 PRIMERKA_WORKER_PAUSE_AT=QUEUED "$BATCH" --follow >>"$TMP/worker.log" 2>&1 &
w1p=$!	# the supervisor; w1 is its worker process
for _ in $(seq 1 50); do w1=$(pgrep -P $w1p | head -1); [ -n "$w1" ] && break; sleep 0.1; done
check "worker 1 stops in QUEUED holding the one slot" stopped "${w1:-0}"
check "...a slot lock is held ($(slot_locks))" [ "$(slot_locks)" = 1 ]
jc=$(new_tryon)
"$BATCH" --once --max-jobs 1 --max-seconds 40 >>"$TMP/worker.log" 2>&1 &
w2=$!
wait_for "$jc" QUEUED
sleep 0.5
req POST "/tryons/$jc/cancel" -H "$H"
check "a job waiting for a slot is cancelled at QUEUED ($code)" [ "$code" = 200 ]
# Its one job ended elsewhere: a --max-jobs 1 run has nothing left to do
# and exits on its own at its next look (within a poll interval, 5 s),
# long before its --max-seconds.
t0=$SECONDS
timeout 10 tail --pid=$w2 -f /dev/null
took=$((SECONDS - t0))
check "...its worker lets go of it: FAILED:cancelled ($(status_of "$jc"))" [ "$(status_of "$jc")" = FAILED:cancelled ]
check "...and its --once run exits by itself within 10 s (${took} s)" \
	gone "$w2"
kill -KILL "$w2" 2>/dev/null	# (a run still up would take what follows)
wait "$w2" 2>/dev/null
req POST "/tryons/$ja/cancel" -H "$H"
check "the job holding the slot is cancelled at QUEUED ($code)" [ "$code" = 200 ]
kill -CONT $w1
for _ in $(seq 1 50); do [ "$(slot_locks)" = 0 ] && break; sleep 0.1; done
check "...and its worker, still up, gave the slot back ($(slot_locks) held)" [ "$(slot_locks)" = 0 ]
kill -STOP $w1	# up, holding whatever it holds, claiming nothing
jd=$(new_tryon)
timeout -k 5 60 "$BATCH" --once --max-jobs 1 --max-seconds 40 >>"$TMP/worker.log" 2>&1
check "the next job still runs: COMPLETED ($(status_of "$jd"))" [ "$(status_of "$jd")" = COMPLETED: ]
kill -KILL $w1p $w1; wait $w1p 2>/dev/null
je=$(new_tryon)
PRIMERKA_WORKER_LEASE=60 PRIMERKA_WORKER_PAUSE_AT=QUEUED "$BATCH" --once --max-jobs 1 >>"$TMP/worker.log" 2>&1 &
w3=$!
stopped $w3
jf=$(new_tryon)
PRIMERKA_WORKER_SLOT_WAIT=2 timeout -k 5 60 "$BATCH" --once --max-jobs 1 --max-seconds 40 >>"$TMP/worker.log" 2>&1
check "no slot within [worker] slot_wait: FAILED:provider_timeout ($(status_of "$jf"))" \
	[ "$(status_of "$jf")" = FAILED:provider_timeout ]
kill -KILL $w3; wait $w3 2>/dev/null
req POST "/tryons/$je/cancel" -H "$H"
check "only the completed job was charged" [ "$(balance)" = $((b0 - price)) ]
unset PRIMERKA_PROVIDER_LOCAL_MAX_CONCURRENCY
echo "the verdict does not wait for an idle queue"
ids=""
for i in 1 2 3; do ids="$ids $(new_tryon)"; done
prompt=$(new_outfit_image "Prompt $U")
"$BATCH" --once --max-seconds 60 >>"$TMP/worker.log" 2>&1
order=$(db "SELECT (SELECT nsfw_checked_at FROM outfits WHERE id = $prompt) < min(finished_at) FROM jobs WHERE id IN ($(echo $ids | tr ' ' ','))")
check "an outfit uploaded behind three queued jobs is judged before the first of them finishes ($order)" [ "$order" = t ]

echo "provider outputs: the NSFW classifier before COMPLETED"
b0=$(balance)
job=$(new_tryon)
PRIMERKA_QC_RESULT_NSFW_MAX=0 "$BATCH" --once --max-seconds 30 >>"$TMP/worker.log" 2>&1
st=$(db "SELECT status || ':' || error_code || ':' || attempts || ':' || (result_key IS NULL) FROM jobs WHERE id = $job")
check "a result over the threshold: FAILED with its own code, once ($st)" [ "$st" = FAILED:result_nsfw:1:true ]
check "...uncharged" [ "$(balance)" = "$b0" ]
check "...and nothing stored" [ ! -e "$PRIMERKA_VAR/s3/results/tryons/$U/$job.jpg._S3rver_object" ]
req GET "/tryons/$job" -H "$H"
check "...the user is told ($(jget .error.code))" [ "$(jget .error.code)" = result_nsfw ]
job=$(new_tryon)
"$BATCH" --once --max-seconds 30 >>"$TMP/worker.log" 2>&1
check "under the threshold it completes" [ "$(db "SELECT status FROM jobs WHERE id = $job")" = COMPLETED ]
b0=$(balance)
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$job}"
anim=$(jget .id)
PRIMERKA_QC_RESULT_NSFW_MAX=0 "$BATCH" --once --max-seconds 60 >>"$TMP/worker.log" 2>&1
st=$(db "SELECT status || ':' || error_code || ':' || (result_key IS NULL) FROM jobs WHERE id = $anim")
check "a video whose preview is over the threshold: FAILED, uncharged, nothing stored ($st)" \
	[ "$st:$(balance):$(ls "$PRIMERKA_VAR/s3/videos/animations/$U/" 2>/dev/null | grep -c "^$anim\.")" = "FAILED:result_nsfw:true:$b0:0" ]

echo "photo checks: claimed with a lease, re-checked when a checker died"
req POST /photos -H "$H" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
p1=$(jget .id)
photo_state() { db "SELECT status || ':' || (checking_until IS NULL) || ':' || coalesce(cardinality(pose), 0) FROM photos WHERE id = $p1"; }
db "UPDATE photos SET checking_until = now() + interval '1 hour' WHERE id = $p1" >/dev/null
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1
check "a photo another checker holds is left alone ($(photo_state))" [ "$(photo_state)" = pending:false:0 ]
db "UPDATE photos SET checking_until = now() - interval '1 second' WHERE id = $p1" >/dev/null
"$BATCH" --once --max-seconds 20 >>"$TMP/worker.log" 2>&1
check "...checked once its lease has run out, the pose stored ($(photo_state))" [ "$(photo_state)" = accepted:true:165 ]

if [ "$fail" != 0 ]; then echo "--- worker log"; tail -30 "$TMP/worker.log"; fi
summary
