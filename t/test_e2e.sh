#!/usr/bin/env bash
# Integration test: the whole try-on path through nginx, the FastCGI
# pool, PostgreSQL, s3rver and the worker, on a stack started by
# scripts/test (PRIMERKA_VAR / PRIMERKA_PORT point at it).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

U1=200000001 U2=200000002
"$ROOT/scripts/demo-data" "$U1" 500
AUTH1="Authorization: tma $("$ROOT/scripts/dev-initdata" $U1 --lang en)"
AUTH1RU="Authorization: tma $("$ROOT/scripts/dev-initdata" $U1 --lang ru)"
AUTH2="Authorization: tma $("$ROOT/scripts/dev-initdata" $U2 --lang en)"

echo "the demo catalogue's artwork notice"
# As Debian's copyright file for tuxpaint-stamps-default states it (the
# "Files: *" stanza): the holder and the licence, on every demo outfit.
cf=/usr/share/doc/tuxpaint-stamps-default/copyright
holder=$(awk '/^Files: \*$/ { f = 1; next } /^$/ { f = 0 } f && /^Copyright:/ { sub(/^Copyright: */, ""); print; exit }' "$cf")
lic=$(awk '/^Files: \*$/ { f = 1; next } /^$/ { f = 0 } f && /^License:/ { sub(/^License: */, ""); print; exit }' "$cf")
demo=$(db "SELECT count(*) FROM outfits o JOIN shops s ON s.id = o.shop_id WHERE s.name = 'Demo Boutique'")
noted=$(db "SELECT count(*) FROM outfits o JOIN shops s ON s.id = o.shop_id WHERE s.name = 'Demo Boutique' AND strpos(o.description, 'Copyright $holder. Licence: $lic, version 2 or (at your option) any later version') > 0")
check "every demo outfit carries the Debian copyright line and licence ($noted of $demo; $holder, $lic)" \
	[ -n "$holder" -a "$lic" = GPL-2 -a "$demo" -gt 0 -a "$noted" = "$demo" ]
check "...as does the demo manifest" grep -qF "Copyright $holder. Licence: $lic" "$PRIMERKA_VAR/demo/MANIFEST.tsv"

echo "auth"
req GET /me
check "no Authorization -> 401 JSON" [ "$code" = 401 ]
check "401 has the error shape" is_json_error
req GET /me -H "Authorization: tma ${AUTH1#Authorization: tma }x"
check "forged initData -> 401" [ "$code" = 401 ]
req GET /me -H "Authorization: Bearer abc"
check "other scheme -> 401" [ "$code" = 401 ]
req GET /me -H "$AUTH1"
check "GET /me -> 200" [ "$code" = 200 ]
balance0=$(jget .balance)
check "balance shows the demo grant" [ "$balance0" -ge 500 ]
check "/me shows prices" [ "$(jget .prices.tryon)" = 10 ]
check "/me language" [ "$(jget .language)" = en ]

echo "photos"
req POST /photos -H "$AUTH1" -H "Content-Type: image/jpeg" --data-binary "@$D/people_interior_pool_hall.jpg"
check "upload JPEG -> 201" [ "$code" = 201 ]
photo=$(jget .id)
check "photo has width/height" [ "$(jget .width)x$(jget .height)" = 800x600 ]
req POST /photos -H "$AUTH1" -H "Content-Type: image/png" --data-binary "@$D/people_astronaut_portrait.png"
check "upload PNG -> 201" [ "$code" = 201 ]
req POST /photos -H "$AUTH1" -H "Content-Type: image/jpeg" --data-binary "this is not an image"
check "text body -> 415" [ "$code" = 415 ]
check "415 has the error shape" is_json_error
head -c 2000 "$D/people_grace_hopper_portrait.jpg" > "$TMP/trunc.jpg"
req POST /photos -H "$AUTH1" --data-binary "@$TMP/trunc.jpg"
check "truncated JPEG -> 400" [ "$code" = 400 ]
req GET "/photos/$photo" -H "$AUTH2"
check "someone else's photo -> 404" [ "$code" = 404 ]
req GET "/photos/$photo" -H "$AUTH1"
check "own photo -> 200" [ "$code" = 200 ]
req GET /photos -H "$AUTH1"
check "photo list has the photo" jq -e ".items | map(.id) | index($photo)" <<<"$body" >/dev/null

echo "catalogue"
req GET /outfits -H "$AUTH1"
check "outfits -> 200" [ "$code" = 200 ]
outfit=$(jget '.items[0].id')
check "an outfit exists" [ "$outfit" != null ]
req GET /locations -H "$AUTH1"
location=$(jget '.items[0].id')
check "a location exists" [ "$location" != null ]
req GET /outfits/999999 -H "$AUTH1"
check "unknown outfit -> 404" [ "$code" = 404 ]

echo "try-on"
req POST /tryons -H "$AUTH1" -H "Content-Type: application/json" --data '{"user_photo_id": 1,'
check "malformed JSON -> 400" [ "$code" = 400 ]
check "400 has the error shape" is_json_error
req POST /tryons -H "$AUTH1" -H "Content-Type: application/json" --data '{"outfit_id": 1}'
check "missing field -> 400" [ "$code" = 400 ]
req POST /tryons -H "$AUTH1" -H "Content-Type: application/json" --data "{\"user_photo_id\": \"$photo\", \"outfit_id\": $outfit}"
check "string id -> 400" [ "$code" = 400 ]
req POST /tryons -H "$AUTH2" -H "Content-Type: application/json" --data "{\"user_photo_id\": $photo, \"outfit_id\": $outfit}"
check "someone else's photo -> 404" [ "$code" = 404 ]
key="e2e-$RANDOM$RANDOM"
req POST /tryons -H "$AUTH1" -H "Content-Type: application/json" -H "Idempotency-Key: $key" \
	--data "{\"user_photo_id\": $photo, \"outfit_id\": $outfit, \"location_id\": $location}"
check "create try-on -> 202" [ "$code" = 202 ]
job=$(jget .id)
# The --follow worker may claim it before the answer is written, so the
# answer can already show a later status; the history starts at RECEIVED.
check "new job answered with a status of the dictionary ($(jget .status))" grep -qxE "RECEIVED|VALIDATING|MODERATING|PROMPTING|QUEUED|RUNNING|UPLOADING|COMPLETED" <<<"$(jget .status)"
check "new job was created RECEIVED" [ "$($PSQL -c "SELECT status FROM job_events WHERE job_id = $(jget .id) ORDER BY id LIMIT 1")" = RECEIVED ]
req POST /tryons -H "$AUTH1" -H "Content-Type: application/json" -H "Idempotency-Key: $key" \
	--data "{\"user_photo_id\": $photo, \"outfit_id\": $outfit, \"location_id\": $location}"
check "same Idempotency-Key -> same job" [ "$(jget .id)" = "$job" ]

status=""
for _ in $(seq 1 120); do
	req GET "/tryons/$job" -H "$AUTH1"
	status=$(jget .status)
	[ "$status" = COMPLETED ] || [ "$status" = FAILED ] && break
	sleep 0.5
done
check "job COMPLETED (was $status: $(jget .error.code))" [ "$status" = COMPLETED ]
check "status_text in English" [ "$(jget .status_text)" = Done ]
url=$(jget .result.url)
etag=$(curl -sS -D - -o /dev/null "$API/tryons/$job" -H "$AUTH1" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
c304=$(curl -sS -o /dev/null -w '%{http_code}' "$API/tryons/$job" -H "$AUTH1" -H "If-None-Match: $etag")
check "poll with If-None-Match -> 304" [ "$c304" = 304 ]
req GET "/tryons/$job" -H "$AUTH1RU"
check "status_text in Russian" [ "$(jget .status_text)" = "Готово" ]
curl -sS -o "$TMP/result.jpg" "$url"
check "result downloads as a JPEG" [ "$(head -c 3 "$TMP/result.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ]
check "result is a real image (> 10 kB)" [ "$(stat -c %s "$TMP/result.jpg")" -gt 10000 ]
thumb=$(jget .result.thumbnail_url)
curl -sS -o "$TMP/thumb.webp" "$thumb"
check "thumbnail is WebP" [ "$(head -c 12 "$TMP/thumb.webp" | tail -c 4)" = WEBP ]
req GET "/tryons/$job" -H "$AUTH2"
check "someone else's try-on -> 404" [ "$code" = 404 ]
req GET /tryons/987654321 -H "$AUTH1"
check "unknown try-on -> 404" [ "$code" = 404 ]

echo "animation"
req GET /me -H "$AUTH1"
ba=$(jget .balance)
req POST /animations -H "$AUTH1" -H "Content-Type: application/json" --data "{\"tryon_id\": $job}"
check "animate a completed try-on -> 202" [ "$code" = 202 ]
anim=$(jget .id)
st=$(wait_job animations "$anim" "$AUTH1")
req GET "/animations/$anim" -H "$AUTH1"
check "animation COMPLETED (was $st: $(jget .error.code))" [ "$st" = COMPLETED ]
check "result is video/mp4" [ "$(jget .result.content_type)" = video/mp4 ]
curl -sS -o "$TMP/anim.mp4" "$(jget .result.url)"
check "the video is an MP4 (ftyp)" [ "$(head -c 8 "$TMP/anim.mp4" | tail -c 4)" = ftyp ]
probe=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,pix_fmt -show_entries format=duration -of csv=p=0 "$TMP/anim.mp4" | tr '\n' ' ')
check "H.264 yuv420p, 3-5 s ($probe)" grep -qE "^h264,yuv420p [345]\." <<<"$probe"
check "the try-on on a location moves in depth (person before location)" \
	grep -q "\"msg\":\"animation in depth\",\"job_id\":\"$anim\"" "$LOGDIR/worker.log"
curl -sS -o "$TMP/preview.jpg" "$(jget .result.preview_url)"
check "the preview is a JPEG" [ "$(head -c 3 "$TMP/preview.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ]
req GET /me -H "$AUTH1"
check "the animation price was debited once" [ "$(jget .balance)" = $((ba - $(jget .prices.animation))) ]
req POST /animations -H "$AUTH2" -H "Content-Type: application/json" --data "{\"tryon_id\": $job}"
check "animating someone else's try-on -> 404" [ "$code" = 404 ]

echo "quality verdicts"
for _ in $(seq 1 40); do
	req GET "/photos/$photo" -H "$AUTH1"
	[ "$(jget .status)" != pending ] && break
	sleep 0.25
done
check "the photo was judged accepted" [ "$(jget .status)" = accepted ]
check "its verdict carries a blur score" [ "$(jget .quality.scores.blur | cut -d. -f1)" -gt 30 ]
req POST /photos -H "$AUTH1" -H "Content-Type: image/jpeg" --data-binary "@$D/blur_street_town_blurred.jpg"
blurry=$(jget .id)
for _ in $(seq 1 40); do
	req GET "/photos/$blurry" -H "$AUTH1"
	[ "$(jget .status)" != pending ] && break
	sleep 0.25
done
check "the blurred photo is rejected" [ "$(jget .status)" = rejected ]
check "with the reason blurry" [ "$(jget '.quality.reasons[0].code')" = blurry ]
check "and a Russian message" [ -n "$(jget '.quality.reasons[0].message.ru')" ]
req GET /me -H "$AUTH1"
b1=$(jget .balance)
req POST /tryons -H "$AUTH1" -H "Content-Type: application/json" --data "{\"user_photo_id\": $blurry, \"outfit_id\": $outfit}"
bj=$(jget .id)
st=$(wait_job tryons "$bj" "$AUTH1")
req GET "/tryons/$bj" -H "$AUTH1"
check "a try-on with it FAILED: photo_blurry" [ "$st:$(jget .error.code)" = FAILED:photo_blurry ]
check "the message tells what to do" grep -qi "sharper" <<<"$(jget .error.message)"
req GET /me -H "$AUTH1"
check "the failure cost nothing" [ "$(jget .balance)" = "$b1" ]

echo "tokens and history"
req GET /me -H "$AUTH1"
check "debited exactly once per job ($balance0 -> $((balance0 - 10 - 30)))" [ "$(jget .balance)" = $((balance0 - 10 - 30)) ]
check "nothing reserved" [ "$(jget .reserved)" = 0 ]
check "one ledger debit for the job" [ "$($PSQL -c "SELECT count(*) FROM ledger WHERE job_id = $job AND kind = 'debit'")" = 1 ]
req GET /ledger -H "$AUTH1"
led=$(jq -c '[.items[] | [.kind, .amount, .job.kind, .job.id, .job.tryon_id]]' <<<"$body")
check "GET /ledger: the animation's and the try-on's debits, newest first, each with its try-on ($led)" \
	[ "$(jq -c '.[0:2]' <<<"$led")" = "[[\"debit\",-30,\"animation\",$anim,$job],[\"debit\",-10,\"tryon\",$job,$job]]" ]
check "...after the welcome grant, balances chained" \
	[ "$(jq --argjson b $((balance0 - 40)) '[.items[-1].kind == "grant", .items[0].balance_after == $b, ([range(0; (.items | length) - 1) as $i | .items[$i].balance_after - .items[$i].amount == .items[$i + 1].balance_after] | all)] | all' <<<"$body")" = true ]
req GET "/ledger?limit=1" -H "$AUTH1"
c1=$(jget .next_cursor)
req GET "/ledger?limit=1&cursor=$c1" -H "$AUTH1"
check "...paged by cursor" [ "$(jget '.items[0].job.id')" = "$job" ]
req GET /ledger -H "$AUTH2"
check "...and nobody else's" [ "$(jq '[.items[] | select(.job.id == '"$job"')] | length' <<<"$body")" = 0 ]
hist=$($PSQL -c "SELECT string_agg(status::text, ',' ORDER BY id) FROM job_events WHERE job_id = $job")
check "every transition recorded ($hist)" [ "$hist" = "RECEIVED,VALIDATING,MODERATING,PROMPTING,QUEUED,RUNNING,UPLOADING,COMPLETED" ]
req GET /tryons -H "$AUTH1"
check "try-on list has the job" jq -e ".items | map(.id) | index($job)" <<<"$body" >/dev/null

echo "health"
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' "${PRIMERKA_URL%/}/healthz")
check "/healthz -> 200" [ "$code" = 200 ]

summary
