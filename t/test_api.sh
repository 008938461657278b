#!/usr/bin/env bash
# Integration test of the API surface through nginx: roles, catalogue
# writes, events and shop statistics, tokens (402) and cancellation, and
# each class of error.  Runs against the stack scripts/test started.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }

n=$RANDOM
UA=$((310000000 + n)) US=$((320000000 + n)) UO=$((330000000 + n)) UU=$((340000000 + n)) UT=$((350000000 + n))
shop=$(ADMIN add-shop "Shop $n")
other=$(ADMIN add-shop "Other $n")
ADMIN set-role "$UA" admin >/dev/null
ADMIN set-role "$US" shop_staff --shop "$shop" >/dev/null
ADMIN set-role "$UO" shop_staff --shop "$other" >/dev/null
HA=$(auth "$UA") HS=$(auth "$US") HO=$(auth "$UO") HU=$(auth "$UU") HT=$(auth "$UT")

echo "errors"
req GET /me -H "$(auth "$UU" --age 90000)"
expect 401 "initData older than max_age"
check "stale initData says auth_expired" [ "$(jget .error.code)" = auth_expired ]
req GET /me -H "$(auth "$UU" --age -3600)"
expect 401 "initData from the future"
req GET /me -H "Authorization: tma query_id=1&user=%7B%7D&auth_date=1&hash=zz"
expect 401 "malformed initData"
req GET /me -H "Authorization: tma $(printf 'a%.0s' $(seq 1 5000))"
expect 401 "oversized initData"
req PUT /me -H "$HU"
expect 405 "wrong method"
req GET /nowhere -H "$HU"
expect 404 "unknown endpoint"
req GET "/tryons/99999999999999999999999" -H "$HU"
expect 404 "id beyond 64 bits"
req GET "/tryons/-1" -H "$HU"
expect 404 "negative id"
req GET "/outfits?limit=1000" -H "$HU"
expect 400 "limit out of range"
req GET "/outfits?cursor=abc" -H "$HU"
expect 400 "cursor not a number"
req GET "/locations?tag=%FF%FE" -H "$HU"
check "invalid UTF-8 in a query is not a 5xx (got $code)" [ "$code" -lt 500 ]
req POST /tryons -H "$HU" -H "Content-Type: text/plain" --data '{}'
expect 415 "JSON endpoint with another content type"
req POST /tryons -H "$HU" -H "$JSON" --data '[1,2]'
expect 400 "JSON that is not an object"
req POST /tryons -H "$HU" -H "$JSON" --data '{"user_photo_id": 1e400, "outfit_id": 1}'
expect 400 "huge number"
req POST /tryons -H "$HU" -H "$JSON" --data '{"user_photo_id": 9223372036854775807, "outfit_id": 1}'
expect 400 "INT64_MAX id"
req POST /tryons -H "$HU" -H "$JSON" --data "{\"user_photo_id\": 1, \"outfit_id\": 1} trailing"
expect 400 "trailing garbage after JSON"
head -c 15800000 /dev/zero > "$TMP/big"
req POST /photos -H "$HU" -H "Content-Type: image/jpeg" --data-binary "@$TMP/big"
expect 413 "photo over the API's size limit"
head -c 17000000 /dev/zero > "$TMP/huge"
req POST /photos -H "$HU" -H "Content-Type: image/jpeg" --data-binary "@$TMP/huge"
expect 413 "body over nginx's limit"
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xea\x60\x00\x00\xea\x60\x08\x06\x00\x00\x00\x00\x00\x00\x00' > "$TMP/bomb.png"
req POST /photos -H "$HU" -H "Content-Type: image/png" --data-binary "@$TMP/bomb.png"
expect 413 "PNG header claiming 60000x60000"

echo "roles and the catalogue"
req POST /outfits -H "$HU" -H "$JSON" --data '{"title":"x"}'
expect 403 "a user creating an outfit"
req POST /outfits -H "$HS" -H "$JSON" --data '{"title":"Linen shirt","category":"tops","price":250000,"currency":"RUB","product_url":"https://example.com/p/1"}'
expect 201 "staff creating an outfit in their shop"
oid=$(jget .id)
req GET "/outfits/$oid" -H "$HU"
expect 404 "an outfit without an image is not public"
req PUT "/outfits/$oid/image" -H "$HS" -H "Content-Type: image/png" --data-binary "@$D/product_tshirt_mockup.png"
expect 200 "staff uploading the outfit image"
check "the outfit now has an image URL" [ "$(jget .image_url)" != null ]
# Public once the worker's NSFW verdict is in (it comes before any job).
for _ in $(seq 1 100); do
	req GET "/outfits/$oid" -H "$HU"
	[ "$code" = 200 ] && break
	sleep 0.1
done
expect 200 "the outfit is public once judged"
check "outfit belongs to the staff's shop" [ "$(jget .shop_id)" = "$shop" ]
req POST /outfits -H "$HS" -H "$JSON" --data "{\"title\":\"x\",\"shop_id\":$other}"
expect 403 "staff creating in another shop"
req PATCH "/outfits/$oid" -H "$HO" -H "$JSON" --data '{"title":"hijack"}'
expect 403 "staff of another shop editing"
req PATCH "/outfits/$oid" -H "$HS" -H "$JSON" --data '{"price":-5}'
expect 400 "negative price"
req PATCH "/outfits/$oid" -H "$HS" -H "$JSON" --data '{"category":"hats"}'
expect 400 "unknown category"
req PATCH "/outfits/$oid" -H "$HS" -H "$JSON" --data '{"product_url":"javascript:alert(1)"}'
expect 400 "non-http product URL"
req PATCH "/outfits/$oid" -H "$HS" -H "$JSON" --data '{"colour":"red"}'
expect 400 "unknown field"
req PATCH "/outfits/$oid" -H "$HA" -H "$JSON" --data "{\"title\":\"Linen shirt'; DROP TABLE outfits; --\"}"
expect 200 "admin editing any outfit (SQL in a string is just text)"
check "title stored verbatim" [ "$(jget .title)" = "Linen shirt'; DROP TABLE outfits; --" ]
req POST /outfits -H "$HA" -H "$JSON" --data '{"title":"no shop"}'
expect 400 "admin must name the shop"
req POST /locations -H "$HS" -H "$JSON" --data '{"title":"Beach"}'
expect 403 "staff creating a location"
req POST /locations -H "$HA" -H "$JSON" --data '{"title":"Beach","tags":["sea","summer"]}'
expect 201 "admin creating a location"
lid=$(jget .id)
req POST /locations -H "$HA" -H "$JSON" --data '{"title":"Bad","tags":["Not OK"]}'
expect 400 "bad tag"
req PUT "/locations/$lid/image" -H "$HA" -H "Content-Type: image/jpeg" --data-binary "@$D/scene_street_town_sharp.jpg"
expect 200 "admin uploading a location image"
check "the location got automatic tags ($(jget '.tags | join(",")'))" [ "$(jget '.tags | length')" -gt 2 ]
check "and kept its own" jq -e '.tags | index("summer")' <<<"$body" >/dev/null
req POST /outfits -H "$HS" -H "$JSON" --data '{"title":"Cup"}'
cup=$(jget .id)
req PUT "/outfits/$cup/image" -H "$HS" -H "Content-Type: image/png" --data-binary "@$D/product_coffee_cup.png"
expect 422 "an outfit photo without a plain background"
check "rejected for bad_background" jq -e '.error.reasons | index("bad_background")' <<<"$body" >/dev/null
req PUT "/outfits/$cup/image" -H "$HS" -H "Content-Type: image/jpeg" --data-binary "@$D/blur_street_town_blurred.jpg"
expect 422 "a blurred outfit photo"
req GET "/locations?tag=summer" -H "$HU"
check "location found by tag" jq -e ".items | map(.id) | index($lid)" <<<"$body" >/dev/null
req DELETE "/locations/$lid" -H "$HA"
expect 204 "admin deleting a location"
req GET "/locations/$lid" -H "$HU"
expect 404 "deleted location"

echo "events and statistics"
req POST /events -H "$HU" -H "$JSON" --data "{\"kind\":\"view\",\"outfit_id\":$oid}"
expect 202 "one event"
check "one recorded" [ "$(jget .recorded)" = 1 ]
req POST /events -H "$HU" -H "$JSON" --data "{\"events\":[{\"kind\":\"view\",\"outfit_id\":$oid},{\"kind\":\"view\",\"outfit_id\":$oid},{\"kind\":\"click\",\"outfit_id\":$oid},{\"kind\":\"view\",\"outfit_id\":99999999}]}"
expect 202 "a batch"
check "unknown outfit dropped, the day's repeated views too: one recorded" [ "$(jget .recorded)" = 1 ]
req POST /events -H "$HU" -H "$JSON" --data "{\"kind\":\"click\",\"outfit_id\":$oid}"
check "a second click of the day is not counted" [ "$code:$(jget .recorded)" = "202:0" ]
req POST /events -H "$HT" -H "$JSON" --data "{\"events\":[{\"kind\":\"view\",\"outfit_id\":$oid},{\"kind\":\"view\",\"outfit_id\":$oid}]}"
check "another user's view counts, once" [ "$code:$(jget .recorded)" = "202:1" ]
req POST /events -H "$HU" -H "$JSON" --data "{\"kind\":\"tryon\",\"outfit_id\":$oid}"
expect 400 "a tryon event from a client (the server records those)"
req POST /events -H "$HU" -H "$JSON" --data "{\"kind\":\"like\",\"outfit_id\":$oid}"
expect 400 "unknown event kind"
big=$(jq -nc "{events: [range(101) | {kind: \"view\", outfit_id: $oid}]}")
req POST /events -H "$HU" -H "$JSON" --data "$big"
expect 400 "more than 100 events"
req GET "/shops/$shop/stats" -H "$HS"
expect 200 "staff reading their shop's stats"
row=$(jq -c ".outfits[] | select(.outfit_id == $oid)" <<<"$body")
check "views 2, clicks 1 ($row)" [ "$(jq .views <<<"$row"):$(jq .clicks <<<"$row")" = "2:1" ]
check "conversion = clicks / views" [ "$(jq '.conversion * 1000 | round' <<<"$row")" = 500 ]
req GET "/shops/$shop/stats" -H "$HO"
expect 403 "staff of another shop reading stats"
req GET "/shops/$shop/stats" -H "$HU"
expect 403 "a user reading stats"
req GET "/shops/$shop/stats?from=2026-02-30" -H "$HA"
expect 400 "impossible date"
req GET "/shops/$shop/stats?from=2030-01-02&to=2030-01-01" -H "$HA"
expect 400 "from after to"
req GET "/shops/$shop/stats" -H "$HA"
expect 200 "admin reading any shop's stats"

echo "tokens, idempotency and cancellation"
# Pause the worker so jobs stay pending and hold their tokens.
pause_stack_worker
req POST /photos -H "$HT" -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
photo=$(jget .id)
req GET /me -H "$HT"
start=$(jget .balance)
price=$(jget .prices.tryon)
jobs=()
for i in $(seq 1 $((start / price))); do
	req POST /tryons -H "$HT" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$oid}"
	jobs+=("$(jget .id)")
done
check "$((start / price)) jobs accepted while tokens last" [ "${#jobs[@]}" = $((start / price)) ]
req POST /tryons -H "$HT" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$oid}"
expect 402 "one more than the balance covers"
check "402 says insufficient_tokens" [ "$(jget .error.code)" = insufficient_tokens ]
req GET /me -H "$HT"
check "reserved = balance" [ "$(jget .reserved)" = "$start" ]
req POST "/tryons/${jobs[0]}/cancel" -H "$HT"
expect 200 "cancel a queued job"
check "cancelled job is FAILED/cancelled" [ "$(jget .status)/$(jget .error.code)" = FAILED/cancelled ]
req POST "/tryons/${jobs[0]}/cancel" -H "$HT"
expect 409 "cancel it again"
req POST "/tryons/${jobs[1]}/cancel" -H "$HU"
expect 404 "cancel someone else's job"
req POST /tryons -H "$HT" -H "$JSON" -H "Idempotency-Key: k-$n" --data "{\"user_photo_id\":$photo,\"outfit_id\":$oid}"
expect 202 "tokens freed by the cancellation"
again=$(jget .id)
req POST /tryons -H "$HT" -H "$JSON" -H "Idempotency-Key: k-$n" --data "{\"user_photo_id\":$photo,\"outfit_id\":$oid}"
check "a retry with the same key is the same job, not a 402" [ "$code:$(jget .id)" = "202:$again" ]
for j in "${jobs[@]:1}" "$again"; do
	curl -sS -o /dev/null -X POST "$API/tryons/$j/cancel" -H "$HT"
done
req POST /animations -H "$HT" -H "$JSON" --data "{\"tryon_id\":${jobs[1]}}"
expect 409 "animating a try-on that did not complete"
resume_stack_worker
req GET /me -H "$HT"
check "cancelled jobs charged nothing" [ "$(jget .balance):$(jget .reserved)" = "$start:0" ]
check "no debit rows for the user" [ "$($PSQL -c "SELECT count(*) FROM ledger WHERE user_id = $UT AND kind = 'debit'")" = 0 ]
check "each try-on created was counted by the server as a tryon event" \
	[ "$(db "SELECT count(*) FROM events WHERE user_id = $UT AND kind = 'tryon'")" = "$(db "SELECT count(*) FROM jobs WHERE user_id = $UT AND kind = 'tryon'")" ]

echo "concurrent requests"
# parallel N OUT PATH HEADER BODY...: N requests at once (the bodies taken
# in turn); their status codes, sorted, one a line, into OUT.
parallel() {
	local n=$1 out=$2 path=$3 hdr=$4 i; shift 4
	local bodies=("$@") idem=()
	[ -z "${IDEM:-}" ] || idem=(-H "Idempotency-Key: $IDEM")
	for i in $(seq 0 $((n - 1))); do
		curl -sS -o /dev/null -w '%{http_code}\n' -X POST "$API$path" -H "$hdr" \
			-H "$JSON" "${idem[@]}" --data "${bodies[$((i % ${#bodies[@]}))]}" \
			> "$TMP/par.$i" &
	done
	wait
	cat "$TMP"/par.* | sort | tr '\n' ' ' > "$out"
	rm -f "$TMP"/par.*
}
UC=$((360000000 + n)); HC=$(auth "$UC")
req POST /photos -H "$HC" -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
cphoto=$(jget .id)
req POST /photos -H "$HC" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
cphoto2=$(jget .id)
pause_stack_worker
db "UPDATE users SET balance = $price WHERE id = $UC" >/dev/null
IDEM="" parallel 8 "$TMP/codes" /tryons "$HC" "{\"user_photo_id\":$cphoto,\"outfit_id\":$oid}"
check "8 try-ons at once with tokens for one: one 202, seven 402 ($(cat "$TMP/codes"))" \
	[ "$(cat "$TMP/codes")" = "202 402 402 402 402 402 402 402 " ]
db "UPDATE users SET balance = 100 * $price WHERE id = $UC" >/dev/null
racy=0
for k in $(seq 1 10); do
	IDEM="race-$n-$k" parallel 2 "$TMP/codes" /tryons "$HC" \
		"{\"user_photo_id\":$cphoto,\"outfit_id\":$oid}" "{\"user_photo_id\":$cphoto2,\"outfit_id\":$oid}"
	[ "$(cat "$TMP/codes")" = "202 409 " ] || racy=$((racy + 1))
done
check "one Idempotency-Key, two bodies at once, ten times: one 202 and one 409 each ($racy wrong)" [ "$racy" = 0 ]
check "...one job per key" [ "$(db "SELECT count(*) FROM jobs WHERE user_id = $UC AND idempotency_key LIKE 'race-$n-%'")" = 10 ]
db "UPDATE jobs SET status = 'FAILED', error_code = 'cancelled', finished_at = now() WHERE user_id = $UC AND finished_at IS NULL" >/dev/null
resume_stack_worker

echo "per-user quotas"
UQ=$((375000000 + n)); HQ=$(auth "$UQ")
req GET /me -H "$HQ"
lim() { sed -n "s/^$1 = //p" "$PRIMERKA_CONFIG"; }
# post429 WHAT PATH [curl args]: answered 429 quota_exceeded with a
# Retry-After of 1..3600 s.
post429() {
	local what=$1 p=$2; shift 2
	code=$(curl -sS -D "$TMP/hdr" -o "$TMP/body" -w '%{http_code}' -X POST "$API$p" -H "$HQ" "$@")
	body=$(cat "$TMP/body")
	local ra; ra=$(tr -d '\r' < "$TMP/hdr" | sed -n 's/^[Rr]etry-[Aa]fter: //p')
	check "$what: 429 quota_exceeded, Retry-After $ra" \
		[ "$code:$(jget .error.code):$([ "${ra:-0}" -ge 1 ] && [ "${ra:-0}" -le 3600 ] && echo in)" = "429:quota_exceeded:in" ]
}
db "INSERT INTO user_counters VALUES ($UQ, 'photo_uploads', now(), $(lim photo_uploads_per_hour))" >/dev/null
post429 "photo uploads over the hourly quota" /photos -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
db "UPDATE user_counters SET window_start = now() - interval '1 hour' WHERE user_id = $UQ" >/dev/null
req POST /photos -H "$HQ" -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
expect 201 "...the next hour: accepted"
db "INSERT INTO photos (user_id, object_key, content_type, bytes, width, height, status) SELECT $UQ, 'quota/$UQ/' || g, 'image/jpeg', 1, 1, 1, 'accepted' FROM generate_series(1, $(lim photos_max)) g" >/dev/null
post429 "stored photos over the quota" /photos -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
db "BEGIN; ALTER TABLE photos DISABLE TRIGGER photos_object_gone; DELETE FROM photos WHERE object_key LIKE 'quota/$UQ/%'; ALTER TABLE photos ENABLE TRIGGER photos_object_gone; COMMIT" >/dev/null
db "INSERT INTO purchases (user_id, tokens, stars) SELECT $UQ, 100, 50 FROM generate_series(1, $(lim pending_purchases_max))" >/dev/null
n0=$(curl -sS "$PRIMERKA_TG_URL/__calls" | jq '[.[] | select(.method == "createInvoiceLink")] | length')
post429 "pending purchases over the quota" /purchases -H "$JSON" --data '{"pack_id":1}'
check "...Telegram is not asked for an invoice" \
	[ "$(curl -sS "$PRIMERKA_TG_URL/__calls" | jq '[.[] | select(.method == "createInvoiceLink")] | length')" = "$n0" ]
db "INSERT INTO user_counters VALUES ($UQ, 'events', now(), $(lim events_per_minute))" >/dev/null
post429 "analytics events over the per-minute quota" /events -H "$JSON" --data "{\"kind\":\"view\",\"outfit_id\":$oid}"
check "...none recorded" [ "$(db "SELECT count(*) FROM events WHERE user_id = $UQ")" = 0 ]

echo "metrics"
metrics_until '^primerka_job_errors\{code="cancelled"\} [1-9]'
check "requests counted by route and class" grep -q '^primerka_http_requests_total{route="POST /api/v1/outfits",code="4xx"} [1-9]' <<<"$m"
check "latency histogram per route" grep -q '^primerka_http_request_duration_seconds_bucket{route="GET /api/v1/me",le="+Inf"} [1-9]' <<<"$m"
check "queue depth and age" grep -q '^primerka_queue_oldest_seconds ' <<<"$m"
check "jobs by status" grep -q '^primerka_jobs{kind="tryon",status="FAILED"} [1-9]' <<<"$m"
check "cancellations among job errors" grep -q '^primerka_job_errors{code="cancelled"} [1-9]' <<<"$m"
# The worker's own figures, from its metrics file (written every 10 s).
wm_seen() { grep -qE '^primerka_worker_jobs_finished_total\{status="(COMPLETED|FAILED)"\} [1-9]' <<<"$m"; }
for _ in $(seq 1 30); do wm_seen && break; sleep 0.5; m=$(curl -sS "${PRIMERKA_URL%/}/metrics"); done
check "the worker's jobs finished, by outcome" wm_seen
check "...time per stage" grep -qE '^primerka_worker_stage_seconds_count\{stage="VALIDATING"\} [1-9]' <<<"$m"
check "the retention backlog, by kind" grep -qE '^primerka_retention_overdue\{kind="photo"\} [0-9]+$' <<<"$m"
check "...slots in use and processes" bash -c 'grep -q "^primerka_worker_slots_busy [0-9]" <<<"$1" && grep -q "^primerka_worker_processes [1-9]" <<<"$1"' _ "$m"
# The table gauges run once per [metrics] cache_ttl (2 s here) for the
# whole pool: right after a scrape that ran them, a new row does not show
# and the run counter stays; after the TTL both move.
ttl=$(sed -n '/^\[metrics\]/,/^\[/s/^cache_ttl = //p' "$PRIMERKA_CONFIG")
r0=$(gauge_runs "$(curl -sS "${PRIMERKA_URL%/}/metrics")")
for _ in $(seq 1 40); do
	a=$(curl -sS "${PRIMERKA_URL%/}/metrics"); ra=$(gauge_runs "$a")
	[ "${ra:-0}" -gt "${r0:-0}" ] && break
	sleep 0.1
done
t0=$(date +%s%N)
db "INSERT INTO job_credits (provider, ref, credits) VALUES ('cachecheck', 'cachecheck', 7)" >/dev/null
b=$(curl -sS "${PRIMERKA_URL%/}/metrics"); c=$(curl -sS "${PRIMERKA_URL%/}/metrics")
within=$(( ($(date +%s%N) - t0) / 1000000 < ${ttl:-0} * 1000 - 500 ))
check "the table gauges ran (counter $r0 -> $ra)" [ "${ra:-0}" -gt "${r0:-0}" ]
check "two more scrapes within the TTL ($ttl s) run them no more (counter $ra, $(gauge_runs "$b"), $(gauge_runs "$c"))" \
	[ "$within:$(gauge_runs "$b"):$(gauge_runs "$c")" = "1:$ra:$ra" ]
check "...and show the cached figures (no new row)" \
	bash -c '! grep -q "provider=\"cachecheck\"" <<<"$1$2"' _ "$b" "$c"
metrics_until '^primerka_provider_credits_total\{provider="cachecheck"\} 7(\.0*)?$' $((ttl + 4))
rn=$(gauge_runs "$m")
check "after the TTL they run again and show it (counter $rn)" \
	bash -c '[ "$2" -gt "$3" ] && grep -qE "provider=\"cachecheck\"\} 7(\.0*)?$" <<<"$1"' _ "$m" "${rn:-0}" "$ra"
db "DELETE FROM job_credits WHERE provider = 'cachecheck'" >/dev/null

echo "transport"
# nginx keeps its FastCGI connections to the pool open between requests
# (fastcgi_keep_conn, upstream keepalive): after a few requests one at a
# time, the pool's socket still has connected peers.  Without keep_conn
# nginx closes each one after its answer.
for _ in 1 2 3 4 5; do req GET /me -H "$HU"; done
sock=$PRIMERKA_VAR/run/primerka.sock
kept=$(awk -v p="$sock" '$NF == p && $6 == "03"' /proc/net/unix | wc -l)
check "nginx keeps FastCGI connections open between requests ($kept held)" [ "$kept" -ge 1 ]
# Status polls that reach a pool process together are read with one
# query for all of them: each still sees only its own try-on.  20 polls
# of one job by its owner and 20 by a stranger, all at once.
sleep 2		# the rate limit's bucket empties
j=${jobs[1]}
polls=()
for i in $(seq 1 20); do
	[ "$i" -gt 1 ] && polls+=(--next)
	polls+=(-H "$HT" -w 'owner %{http_code}\n' -o "$TMP/po$i"
	    "$API/tryons/$j?o=$i" --next
	    -H "$HU" -w 'stranger %{http_code}\n' -o "$TMP/ps$i"
	    "$API/tryons/$j?s=$i")
done
codes=$(curl -sS --parallel --parallel-max 40 "${polls[@]}" 2>/dev/null |
	sort | uniq -c)
codes=$(echo $codes)
check "40 polls at once: the owner's 200s, the stranger's 404s ($codes)" \
	[ "$codes" = "20 owner 200 20 stranger 404" ]
ids=$(cat "$TMP"/po* | jq -r .id | sort -u)
check "each of the owner's answers is the try-on asked for ($(echo $ids))" \
	[ "$ids" = "$j" ]
nf=$(cat "$TMP"/ps* | jq -r .error.code | sort -u)
check "each of the stranger's is not_found ($(echo $nf))" \
	[ "$nf" = not_found ]

echo "rate limit"
# One curl, 32 connections at once: fast enough to exceed the limit even
# on a loaded machine (400 separate processes were not always).
burst=(); for _ in $(seq 1 400); do burst+=(-o /dev/null "$API/me"); done
codes=$(curl -sS --parallel --parallel-max 32 -w '%{http_code}\n' -H "$HU" "${burst[@]}" 2>/dev/null | sort | uniq -c)
check "a burst gets 429s ($(echo $codes))" grep -q " 429" <<<"$codes"
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' "$API/me" -H "$HU"); body=$(cat "$TMP/body")
[ "$code" = 429 ] && expect 429 "rate-limited answer is a JSON error"
curl -sS "$API/me" -H "$HU" -o /dev/null -w '%{http_code}' >/dev/null
sleep 3
summary
