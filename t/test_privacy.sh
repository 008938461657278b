#!/usr/bin/env bash
# Erasure and the objects of rows that go, through nginx: DELETE of a
# try-on, an animation and the whole user (rows now, objects through
# pending_deletes swept by the worker); the ledger and purchases kept;
# no second welcome grant; S3 failing during the deletion (retried, and
# nothing lost track of); an upload whose row was never written; the
# reconciliation of bucket listings against rows.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }
S3DIR="$PRIMERKA_VAR/s3"
object_exists() { [ -f "$S3DIR/$1/$2._S3rver_object" ]; }
object_gone() { ! object_exists "$@"; }
# gone_soon BUCKET KEY: the worker deletes it within 15 s.
gone_soon() {
	for _ in $(seq 1 60); do object_gone "$1" "$2" && return 0; sleep 0.25; done
	return 1
}
n=$RANDOM
"$ROOT/scripts/demo-data" >/dev/null

# A user (id $1) with a photo and a completed try-on: P, J, pkey, rkey, tkey.
setup_user() {
	local h; h=$(auth "$1")
	req POST /photos -H "$h" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
	P=$(jget .id)
	req GET /outfits -H "$h"
	O=$(jget '.items[0].id')
	req POST /tryons -H "$h" -H "$JSON" --data "{\"user_photo_id\":$P,\"outfit_id\":$O}"
	J=$(jget .id)
	wait_job tryons "$J" "$h" >/dev/null
	pkey=$(db "SELECT object_key FROM photos WHERE id = $P")
	rkey=$(db "SELECT result_key FROM jobs WHERE id = $J")
	tkey=$(db "SELECT thumb_key FROM jobs WHERE id = $J")
}

echo "deleting a try-on and an animation"
U=$((410000000 + n)); H=$(auth "$U"); HV=$(auth "$((U + 1))")
"$ROOT/scripts/demo-data" "$U" 500 >/dev/null
setup_user "$U"
check "the try-on completed with its objects" object_exists results "$rkey"
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$J}"
A=$(jget .id)
st=$(wait_job animations "$A" "$H")
vkey=$(db "SELECT result_key FROM jobs WHERE id = $A")
check "an animation of it ($st)" object_exists videos "$vkey"
req DELETE "/tryons/$J" -H "$HV"
expect 404 "someone else deleting it"
req DELETE "/animations/$J" -H "$H"
expect 404 "a try-on deleted as an animation"
debits=$(db "SELECT count(*) FROM ledger WHERE user_id = $U AND kind = 'debit'")
req DELETE "/tryons/$J" -H "$H"
expect 204 "DELETE /tryons/{id}"
req GET "/tryons/$J" -H "$H"
expect 404 "...it is gone"
req GET "/animations/$A" -H "$H"
expect 404 "...and its animation with it"
check "...their rows and history are gone" \
	[ "$(db "SELECT (SELECT count(*) FROM jobs WHERE id IN ($J, $A)) + (SELECT count(*) FROM job_events WHERE job_id IN ($J, $A))")" = 0 ]
check "...the result object is deleted" gone_soon results "$rkey"
check "...its thumbnail too" gone_soon results "$tkey"
check "...and the video" gone_soon videos "$vkey"
check "...the ledger keeps both debits, without the job" \
	[ "$(db "SELECT count(*) FROM ledger WHERE user_id = $U AND kind = 'debit' AND job_id IS NULL")" = "$debits" ]
req DELETE "/tryons/$J" -H "$H"
expect 404 "deleting it again"
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$P,\"outfit_id\":$O}"
J2=$(jget .id)
wait_job tryons "$J2" "$H" >/dev/null
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$J2}"
A2=$(jget .id)
wait_job animations "$A2" "$H" >/dev/null
vkey=$(db "SELECT result_key FROM jobs WHERE id = $A2")
req DELETE "/animations/$A2" -H "$H"
expect 204 "DELETE /animations/{id}"
check "...the video is deleted, the try-on stays" \
	bash -c "$(declare -f object_exists object_gone gone_soon); S3DIR='$S3DIR'; gone_soon videos '$vkey' && [ \"\$($PSQL -c 'SELECT count(*) FROM jobs WHERE id = $J2')\" = 1 ]"
pause_stack_worker
db "UPDATE jobs SET status = 'RUNNING', finished_at = NULL WHERE id = $J2" >/dev/null
req DELETE "/tryons/$J2" -H "$H"
expect 409 "a try-on being rendered"
check "...says so" [ "$(jget .error.code)" = job_running ]
db "UPDATE jobs SET status = 'COMPLETED', finished_at = now() WHERE id = $J2" >/dev/null
resume_stack_worker

echo "deleting the user (DELETE /me)"
U=$((420000000 + n)); H=$(auth "$U")
req GET /me -H "$H"
grant=$(jget .balance)
setup_user "$U"
req POST /events -H "$H" -H "$JSON" --data "{\"kind\":\"view\",\"outfit_id\":$O}"
req POST /purchases -H "$H" -H "$JSON" --data '{"pack_id":1}'
purchase=$(jget .id)
ledger=$(db "SELECT count(*) FROM ledger WHERE user_id = $U")
req GET /me -H "$H"
balance=$(jget .balance)
req DELETE /me -H "$H"
expect 204 "DELETE /me"
check "photos, jobs and events are gone" \
	[ "$(db "SELECT (SELECT count(*) FROM photos WHERE user_id = $U) + (SELECT count(*) FROM jobs WHERE user_id = $U) + (SELECT count(*) FROM events WHERE user_id = $U)")" = 0 ]
check "the photo object is deleted" gone_soon user-photos "$pkey"
check "the result object is deleted" gone_soon results "$rkey"
check "the ledger and the purchase are kept" \
	[ "$(db "SELECT count(*) FROM ledger WHERE user_id = $U"):$(db "SELECT count(*) FROM purchases WHERE id = $purchase")" = "$ledger:1" ]
check "the user is anonymised" \
	[ "$(db "SELECT first_name || last_name || username || ':' || (erased_at IS NOT NULL) FROM users WHERE id = $U")" = ":true" ]
req GET /photos -H "$H"
check "coming back: no photos" [ "$code:$(jget '.items | length')" = "200:0" ]
req GET /tryons -H "$H"
check "...no try-ons" [ "$(jget '.items | length')" = 0 ]
req GET /me -H "$H"
check "...and no second welcome grant (balance $(jget .balance), was $balance, grant $grant)" \
	[ "$(jget .balance):$(db "SELECT count(*) FROM ledger WHERE user_id = $U AND kind = 'grant' AND note = 'welcome'")" = "$balance:1" ]
req DELETE /me
expect 401 "DELETE /me without initData"

echo "S3 failing during the deletion"
U=$((430000000 + n)); H=$(auth "$U")
"$ROOT/scripts/demo-data" "$U" 500 >/dev/null
setup_user "$U"
pause_stack_worker
S3PID=$(cat "$PRIMERKA_VAR/run/s3rver.pid")
kill -STOP "$S3PID"
req DELETE /me -H "$H"
expect 204 "DELETE /me while S3 does not answer"
out=$(PRIMERKA_S3_TIMEOUT=1 ADMIN sweep-deletes 2>/dev/null); rc=$?
check "...the objects are still there" object_exists user-photos "$pkey"
kill -CONT "$S3PID"
pending=$(db "SELECT count(*) FROM pending_deletes WHERE object_key IN ('$pkey', '$rkey', '$tkey') AND attempts > 0 AND last_error IS NOT NULL")
check "the sweep fails, the objects stay pending with their error ($rc, $pending: $out)" [ "$rc:$pending" = "1:3" ]
db "UPDATE pending_deletes SET next_try = now()" >/dev/null
out=$(ADMIN sweep-deletes 2>&1); rc=$?
check "S3 back: the retry deletes them ($rc: $out)" [ "$rc" = 0 ]
check "...the objects are gone" bash -c "! [ -f '$S3DIR/user-photos/$pkey._S3rver_object' ] && ! [ -f '$S3DIR/results/$rkey._S3rver_object' ]"
check "...and so are their pending rows" \
	[ "$(db "SELECT count(*) FROM pending_deletes WHERE object_key IN ('$pkey', '$rkey', '$tkey')")" = 0 ]
resume_stack_worker

echo "an upload whose row is never written"
U=$((440000000 + n)); H=$(auth "$U")
req GET /me -H "$H"
db "CREATE FUNCTION t_refuse_$n() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN IF NEW.user_id = $U THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END \$\$; CREATE TRIGGER t_refuse_$n BEFORE INSERT ON photos FOR EACH ROW EXECUTE FUNCTION t_refuse_$n()" >/dev/null
req POST /photos -H "$H" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
db "DROP TRIGGER t_refuse_$n ON photos; DROP FUNCTION t_refuse_$n()" >/dev/null
expect 503 "the photo row cannot be written"
check "...and its object is not left in the bucket" \
	[ "$(find "$S3DIR/user-photos/u/$U" -name '*._S3rver_object' 2>/dev/null | wc -l)" = 0 ]

echo "reconciling buckets with rows"
U=$((450000000 + n)); H=$(auth "$U")
req POST /photos -H "$H" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
orphan=$(db "SELECT object_key FROM photos WHERE id = $(jget .id)")
req POST /photos -H "$H" -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
kept=$(db "SELECT object_key FROM photos WHERE id = $(jget .id)")
# The worker's check of the new photos first: it holds their rows, and the
# table lock below taken meanwhile would deadlock with it.
for _ in $(seq 1 300); do
	[ "$(db "SELECT count(*) FROM photos WHERE user_id = $U AND status = 'pending'")" = 0 ] && break
	sleep 0.1
done
# A row lost without its trigger (as a crash between upload and commit).
db "BEGIN; ALTER TABLE photos DISABLE TRIGGER photos_object_gone; DELETE FROM photos WHERE object_key = '$orphan'; ALTER TABLE photos ENABLE TRIGGER photos_object_gone; COMMIT" >/dev/null
out=$(ADMIN reconcile 2>&1); rc=$?
check "a recent orphan is left alone (the grace period) ($out)" object_exists user-photos "$orphan"
sleep 1.1
out=$(PRIMERKA_RETENTION_ORPHAN_GRACE=0 ADMIN reconcile 2>"$TMP/reconcile.log"); rc=$?
check "past the grace period it is found and reported ($rc: $out)" grep -qE "^[0-9]+ objects listed, [1-9][0-9]* orphans" <<<"$out"
check "...deleted" object_gone user-photos "$orphan"
check "...and logged by key" grep -q "orphan object deleted.*$orphan" "$TMP/reconcile.log"
check "an object with its row stays" object_exists user-photos "$kept"

summary
