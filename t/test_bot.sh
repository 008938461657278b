#!/usr/bin/env bash
# Integration test of the bot's messages and of shared results, against
# the stack's Bot API stand-in (t/telegram_emulator.js): a finished job
# is delivered once (sendPhoto with a web_app button; sendMessage with
# the reason on FAILED); a worker killed after the commit or in the
# middle of the send never makes a second message; 429 is retried, 403
# (blocked) is recorded and not retried, /start lifts it; the opt-out in
# the settings stops the messages.  Sharing: a share code, a prepared
# inline message, a story URL Telegram can fetch; visits from the shared
# link are counted for the shop once per viewer.  The stack's own worker
# is paused; this test runs its own.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BATCH="$ROOT/primerka-batch"
export PRIMERKA_CONFIG PRIMERKA_WORKER_LEASE=2
TG=$PRIMERKA_TG_URL

tg_reset() { curl -fsS -X POST "$TG/__reset" >/dev/null; }
tg_script() { curl -fsS -X POST "$TG/__script" --data "$1" >/dev/null; }
# The calls of method $1 to this test's user.
tg_calls() { curl -fsS "$TG/__calls" | jq -c "[.[] | select(.method == \"$1\" and (.body.chat_id == $U or .body.user_id == $U))]"; }
ncalls() { tg_calls "$1" | jq length; }
run_worker() { "$BATCH" --once --max-seconds 60 >>"$TMP/worker.log" 2>&1; }
outbox() { db "SELECT state FROM bot_outbox WHERE job_id = $1"; }
status_of() { db "SELECT status FROM jobs WHERE id = $1"; }

# initData for user $1 opened with startapp $2 (as Telegram signs it);
# with $3 = no, the user has not let the bot write to them.
initdata_start() {
	python3 - "$1" "$2" "$(sed -n 's/^bot_token = //p' "$PRIMERKA_CONFIG" | head -n 1)" "${3:-yes}" <<'PY'
import hashlib, hmac, json, sys, time, urllib.parse
uid, start, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
f = {"auth_date": str(int(time.time())), "query_id": "AAE%d" % uid,
     "user": json.dumps({"id": uid, "first_name": "Viewer",
                         "language_code": "en",
                         "allows_write_to_pm": sys.argv[4] == "yes"},
                        separators=(",", ":"))}
if start:
    f["start_param"] = start
dcs = "\n".join("%s=%s" % (k, f[k]) for k in sorted(f))
secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
f["hash"] = hmac.new(secret, dcs.encode(), hashlib.sha256).hexdigest()
print(urllib.parse.urlencode(f, quote_via=urllib.parse.quote))
PY
}

pause_stack_worker
user_with_photo $((366000000 + RANDOM))

echo "settings"
req GET /me/settings -H "$H"
expect 200 "GET /me/settings"
check "defaults: notifications on, the bot may write (allows_write_to_pm)" \
	[ "$(jq -c '[.notifications, .bot_can_write, .bot_blocked, .language]' <<<"$body")" = '[true,true,false,"auto"]' ]
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"notifications":"no"}'
expect 400 "notifications must be a boolean"
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"language":"de"}'
expect 400 "an unknown language"
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"colour":"red"}'
expect 400 "an unknown field"
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"language":"ru"}'
expect 200 "language ru"
check "language kept, notifications untouched" [ "$(jq -c '[.language, .notifications]' <<<"$body")" = '["ru",true]' ]
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"language":"auto"}'
check "language back to auto" [ "$(jget .language)" = auto ]

echo "a completed try-on is delivered once"
tg_reset
job=$(new_tryon)
req GET "/tryons/$job" -H "$H"
check "a waiting job carries poll_after_ms ($(jget .poll_after_ms))" \
	jq -e '.poll_after_ms >= 200 and .poll_after_ms <= 8000' >/dev/null <<<"$body"
run_worker
check "job COMPLETED" [ "$(status_of "$job")" = COMPLETED ]
req GET "/tryons/$job" -H "$H"
check "a finished job has no poll_after_ms" [ "$(jget .poll_after_ms)" = null ]
c=$(tg_calls sendPhoto)
check "one sendPhoto to the user" [ "$(jq length <<<"$c")" = 1 ]
check "the photo is the result's URL, Telegram fetched it" jq -e '.[0].body.photo | startswith("http")' >/dev/null <<<"$c"
check "a caption naming the outfit" jq -e '.[0].body.caption | test("ready")' >/dev/null <<<"$c"
check "a web_app button that opens this try-on" \
	jq -e ".[0].body.reply_markup.inline_keyboard[0][0].web_app.url | endswith(\"startapp=t$job\")" >/dev/null <<<"$c"
check "outbox: sent, with the message id" [ "$(db "SELECT state || ':' || (message_id > 0) FROM bot_outbox WHERE job_id = $job")" = "sent:true" ]
run_worker
check "another worker run sends nothing more" [ "$(ncalls sendPhoto)" = 1 ]

echo "a finished animation: sendVideo"
tg_reset
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$job}"
anim=$(jget .id)
run_worker
check "animation COMPLETED" [ "$(status_of "$anim")" = COMPLETED ]
c=$(tg_calls sendVideo)
check "one sendVideo: the mp4 Telegram fetched, a button that opens it" \
	jq -e "length == 1 and (.[0].body.video | startswith(\"http\")) and (.[0].body.reply_markup.inline_keyboard[0][0].web_app.url | endswith(\"startapp=a$anim\"))" >/dev/null <<<"$c"

echo "a failed try-on: sendMessage with the reason"
tg_reset
job=$(new_tryon)
db "UPDATE jobs SET max_attempts = 0 WHERE id = $job" >/dev/null
run_worker
check "job FAILED" [ "$(status_of "$job")" = FAILED ]
c=$(tg_calls sendMessage)
check "one sendMessage with the human reason" jq -e 'length == 1 and (.[0].body.text | test("did not work out. .{10,}"))' >/dev/null <<<"$c"

echo "once only: the worker killed after the commit, before the send"
tg_reset
job=$(new_tryon)
PRIMERKA_WORKER_PAUSE_AT=COMPLETED "$BATCH" --once --max-jobs 1 >>"$TMP/worker.log" 2>&1 &
wpid=$!
for _ in $(seq 1 200); do
	[ "$(status_of "$job")" = COMPLETED ] && break
	sleep 0.1
done
sleep 0.3
kill -KILL $wpid; wait $wpid 2>/dev/null
check "killed with the message waiting (outbox $(outbox "$job"), $(ncalls sendPhoto) calls)" \
	[ "$(outbox "$job"):$(ncalls sendPhoto)" = "pending:0" ]
run_worker
check "the next worker delivers it" [ "$(outbox "$job"):$(ncalls sendPhoto)" = "sent:1" ]
run_worker
check "and only once" [ "$(ncalls sendPhoto)" = 1 ]

echo "once only: the worker killed in the middle of the send"
tg_reset
tg_script '{"method":"sendPhoto","hang":true}'
job=$(new_tryon)
"$BATCH" --once --max-jobs 1 >>"$TMP/worker.log" 2>&1 &
wpid=$!
for _ in $(seq 1 200); do
	[ "$(ncalls sendPhoto)" = 1 ] && break
	sleep 0.1
done
kill -KILL $wpid; wait $wpid 2>/dev/null
tg_reset
check "left in sending" [ "$(outbox "$job")" = sending ]
run_worker
check "not sent again by the next worker" [ "$(ncalls sendPhoto)" = 0 ]
db "UPDATE bot_outbox SET claimed_at = now() - interval '5 minutes' WHERE job_id = $job" >/dev/null
run_worker
check "taken as lost: unknown, still not sent again" [ "$(outbox "$job"):$(ncalls sendPhoto)" = "unknown:0" ]

echo "429: retried after a backoff"
tg_reset
tg_script '{"method":"sendPhoto","status":429}'
job=$(new_tryon)
run_worker
check "back to pending, later ($(db "SELECT state || ':' || attempts || ':' || (run_after > now()) FROM bot_outbox WHERE job_id = $job"))" \
	grep -qE '^pending:1:(t|true)$' <<<"$(db "SELECT state || ':' || attempts || ':' || (run_after > now()) FROM bot_outbox WHERE job_id = $job")"
db "UPDATE bot_outbox SET run_after = now() WHERE job_id = $job" >/dev/null
run_worker
check "sent on the second attempt, one message delivered" [ "$(outbox "$job"):$(ncalls sendPhoto)" = "sent:2" ]

echo "403: the user blocked the bot"
tg_reset
tg_script '{"method":"sendPhoto","status":403}'
job=$(new_tryon)
run_worker
check "outbox: blocked" [ "$(outbox "$job")" = blocked ]
check "the user is marked" [ "$(db "SELECT bot_blocked_at IS NOT NULL FROM users WHERE id = $U")" = t ]
job2=$(new_tryon)
run_worker
check "no more messages to a user who blocked the bot" [ "$(outbox "$job2"):$(ncalls sendPhoto)" = ":1" ]
req GET /me/settings -H "$H"
check "the settings say so" [ "$(jget .bot_blocked)" = true ]
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$API/telegram/webhook" \
	-H "X-Telegram-Bot-Api-Secret-Token: $PRIMERKA_TG_WEBHOOK_SECRET" -H "$JSON" \
	--data "{\"update_id\":1,\"message\":{\"message_id\":5,\"date\":1,\"chat\":{\"id\":$U,\"type\":\"private\"},\"from\":{\"id\":$U,\"is_bot\":false,\"first_name\":\"U\"},\"text\":\"/start\"}}")
check "/start through the webhook -> 200 ($code)" [ "$code" = 200 ]
req GET /me/settings -H "$H"
check "/start lifts the block" [ "$(jget .bot_blocked)" = false ]

echo "the opt-out"
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"notifications":false}'
check "notifications off" [ "$code:$(jget .notifications)" = "200:false" ]
tg_reset
job=$(new_tryon)
run_worker
check "a finished job makes no message ($(outbox "$job"), $(ncalls sendPhoto) calls)" \
	[ "$(status_of "$job"):$(outbox "$job"):$(ncalls sendPhoto)" = "COMPLETED::0" ]
req PATCH /me/settings -H "$H" -H "$JSON" --data '{"notifications":true}'

echo "a user who did not let the bot write to them gets no message"
W=$((U + 3000000))
"$ROOT/scripts/demo-data" "$W" 100 >/dev/null
HW="Authorization: tma $(initdata_start "$W" "" no)"
req GET /me/settings -H "$HW"
check "settings: the bot cannot write" [ "$(jget .bot_can_write)" = false ]
req POST /photos -H "$HW" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
wphoto=$(jget .id)
req POST /tryons -H "$HW" -H "$JSON" --data "{\"user_photo_id\":$wphoto,\"outfit_id\":$outfit}"
wjob=$(jget .id)
tg_reset
run_worker
check "finished, no outbox row, nothing sent" \
	[ "$(status_of "$wjob"):$(outbox "$wjob"):$(curl -fsS "$TG/__calls" | jq "[.[] | select(.body.chat_id == $W)] | length")" = "COMPLETED::0" ]

echo "try again: the same inputs with a new seed, a new job"
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit,\"seed\":0}"
expect 400 "seed 0"
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit,\"seed\":\"x\"}"
expect 400 "a seed that is not an integer"
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit,\"seed\":77}"
expect 202 "seed 77"
sjob=$(jget .id)
check "the seed is kept for the provider" [ "$(db "SELECT params->>'seed' FROM jobs WHERE id = $sjob")" = 77 ]
run_worker
check "and the job runs (charged as one)" [ "$(status_of "$sjob"):$(db "SELECT count(*) FROM ledger WHERE job_id = $sjob AND kind = 'debit'")" = COMPLETED:1 ]

echo "sharing a result"
tg_reset
shop=$(db "SELECT shop_id FROM outfits WHERE id = $outfit")
req POST "/tryons/$job/share" -H "$H"
expect 200 "POST /tryons/$job/share"
scode=$(jget .code)
check "a share code of 16 hex digits" grep -qE '^[0-9a-f]{16}$' <<<"$scode"
check "startapp names the outfit, its shop and the share" [ "$(jget .startapp)" = "o$outfit-s$shop-r$scode" ]
check "the link is the Mini App's t.me link" grep -q "^https://.*startapp=o$outfit-s$shop-r$scode\$" <<<"$(jget .link)"
check "the story's widget link is the same" [ "$(jget .story.widget_link.url)" = "$(jget .link)" ]
check "the story's media URL can be fetched" curl -fsS -o /dev/null "$(jget .story.media_url)"
check "a prepared message id" [ -n "$(jget '.prepared_message_id // empty')" ]
c=$(tg_calls savePreparedInlineMessage)
check "savePreparedInlineMessage: the photo with a Try it on link" \
	jq -e ".[0].body.result.type == \"photo\" and (.[0].body.result.reply_markup.inline_keyboard[0][0].url | endswith(\"r$scode\"))" >/dev/null <<<"$c"
link=$(jget .link)
req POST "/tryons/$job/share" -H "$H"
check "sharing again keeps the code" [ "$(jget .code)" = "$scode" ]
req POST /tryons/999999999/share -H "$H"
expect 404 "someone else's or no try-on"
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit}"
waiting=$(jget .id)
req POST "/tryons/$waiting/share" -H "$H"
expect 409 "a try-on not finished yet"
req POST "/tryons/$waiting/cancel" -H "$H"

echo "visits from the shared link"
V=$((U + 1000000))
"$ROOT/scripts/demo-data" "$V" 100 >/dev/null
HV="Authorization: tma $(initdata_start "$V" "o$outfit-s$shop-r$scode")"
opens() { db "SELECT count(*) FROM share_visits WHERE code = '$scode' AND kind = '$1'"; }
req GET /me -H "$HV"
expect 200 "the viewer opens the app from the link"
req GET /me -H "$HV"
check "one open counted for two visits" [ "$(opens open)" = 1 ]
req GET /me -H "$(auth "$U")"
check "the sharer's own visits do not count" [ "$(opens open)" = 1 ]
req POST /photos -H "$HV" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
vphoto=$(jget .id)
req POST /tryons -H "$HV" -H "$JSON" --data "{\"user_photo_id\":$vphoto,\"outfit_id\":$outfit}"
expect 202 "the viewer tries the shared outfit on"
req POST /tryons -H "$HV" -H "$JSON" --data "{\"user_photo_id\":$vphoto,\"outfit_id\":$outfit}"
check "one try-on counted for two" [ "$(opens tryon)" = 1 ]
ADMINU=$((U + 2000000))
PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" set-role "$ADMINU" admin >/dev/null
req GET "/shops/$shop/stats" -H "$(auth "$ADMINU")"
expect 200 "the shop's stats"
check "they count opens and try-ons from shared links" jq -e '.shared.opens >= 1 and .shared.tryons >= 1' >/dev/null <<<"$body"
run_worker

summary
