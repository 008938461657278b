#!/usr/bin/env bash
# The hosted providers through the whole stack: workers configured for
# FASHN, fal and Replicate run try-ons and animations against the vendor
# emulators (t/emulators/*/server.js), which download and decode their
# inputs from the stack's S3 through the presigned URLs they are handed
# and refuse what their vendor refuses.  Covered: try-on with and without
# a location (the person placed in it by primerka), animation, every
# error class and the user's message, fallback to the next provider on
# 5xx, timeouts and no credits but never after a verdict, an expired
# input URL retried once with fresh ones, a worker killed while a vendor
# works resuming the remote job without paying twice, credits recorded
# per job, /metrics and primerka-admin stats.  The stack's own --follow
# worker (provider = local) is paused meanwhile.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BATCH="$ROOT/primerka-batch"

EMUS=""
stop_all() {
	resume_stack_worker
	for p in $EMUS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap stop_all EXIT

KEY="emu-$RANDOM$RANDOM"
# start_emu NAME VAR: the vendor's emulator on a free port, its URL in
# VAR.  Not in a $(...) subshell: its pid must reach EMUS, which
# stop_all kills on the way out.
start_emu() {
	node "$ROOT/t/emulators/$1/server.js" 0 --key "$KEY" --queue-ms 50 \
		--run-ms 150 >"$TMP/$1.port" 2>"$TMP/$1.log" &
	EMUS="$EMUS $!"
	for _ in $(seq 1 100); do
		[ -s "$TMP/$1.port" ] && break
		sleep 0.05
	done
	printf -v "$2" 'http://127.0.0.1:%s' "$(head -1 "$TMP/$1.port")"
}
start_emu fashn FASHN
start_emu fal FAL
start_emu replicate REP
for u in "$FASHN" "$FAL" "$REP"; do
	if ! [[ $u =~ :[0-9]+$ ]]; then
		bad "an emulator did not start ($u)"
		summary
		exit 1
	fi
done
emu() { curl -sS -X "$2" "$1$3" "${@:4}"; }
reset_all() { for u in "$FASHN" "$FAL" "$REP"; do emu "$u" POST /__reset >/dev/null; done; }
pause_stack_worker

export PRIMERKA_CONFIG PRIMERKA_WORKER_LEASE=2
for v in FASHN FAL REPLICATE; do
	export "PRIMERKA_${v}_POLL_MIN_MS=20" "PRIMERKA_${v}_POLL_MAX_MS=50" \
		"PRIMERKA_${v}_RETRY_BASE_MS=50" "PRIMERKA_${v}_RETRY_MAX_MS=200" \
		"PRIMERKA_${v}_JOB_TIMEOUT_MS=20000" "PRIMERKA_${v}_MAX_RETRIES=2"
done
# As FASHN's docs write it: with the /v1.
export PRIMERKA_FASHN_BASE_URL=$FASHN/v1 PRIMERKA_FASHN_API_KEY=$KEY
export PRIMERKA_FAL_BASE_URL=$FAL PRIMERKA_FAL_API_KEY=$KEY
export PRIMERKA_REPLICATE_BASE_URL=$REP PRIMERKA_REPLICATE_API_TOKEN=$KEY
export PRIMERKA_WORKER_PROVIDER=fashn
worker() { "$BATCH" --once --max-seconds 60 --max-jobs 1 "$@" >>"$TMP/worker.log" 2>&1; }
# Run workers until job $1 ends (retries wait out their backoff).
finish() {
	for _ in $(seq 1 30); do
		worker
		case $(db "SELECT status FROM jobs WHERE id = $1") in
		COMPLETED|FAILED) return ;;
		esac
		sleep 0.5
	done
}

user_with_photo $((377000000 + RANDOM))
req GET /locations -H "$H"
location=$(jget '.items[0].id')
balance() { db "SELECT balance FROM users WHERE id = $U"; }
debits() { db "SELECT count(*) FROM ledger WHERE job_id = $1 AND kind = 'debit'"; }
state() { db "SELECT status || ':' || coalesce(error_code, '') || ':' || attempts FROM jobs WHERE id = $1"; }
credits() { db "SELECT coalesce(string_agg(provider || '=' || credits, ' ' ORDER BY provider), '') FROM job_credits WHERE job_id = $1"; }
# The scripting key of every emulator: the path of the garment URL.
GKEY="/outfits/$(db "SELECT image_key FROM outfits WHERE id = $outfit")"
stat() { emu "$1" GET /__stats | jq -r --arg k "$GKEY" "$2"; }
script() { emu "$1" POST /__script -d "{\"key\":\"$GKEY\",$2}" >/dev/null; }
tryon_job() {
	local loc=""
	[ "${1:-}" = location ] && loc=",\"location_id\":$location"
	req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit$loc}"
	jget .id
}
# The user's message for job $1 (in the user's language, English here).
message() { req GET "/tryons/$1" -H "$H"; jget '.error.message // empty'; }
is_jpeg() { [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' ')" = ffd8ff ]; }
download() { req GET "/$1/$2" -H "$H"; curl -sS -o "$3" "$(jget .result.url)"; }

echo "FASHN: a try-on"
reset_all
b0=$(balance)
job=$(tryon_job)
worker
check "COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "one debit, balance down by one price" [ "$(debits "$job"):$(balance)" = "1:$((b0 - price))" ]
check "one prediction submitted" [ "$(stat "$FASHN" '.submits[$k] // 0')" = 1 ]
ref=$(db "SELECT provider_ref FROM jobs WHERE id = $job")
check "the remote id is stored as FASHN's ($ref)" [ "${ref%%:*}" = fashn ]
check "its credits are recorded (x-fashn-credits-used)" [ "$(credits "$job")" = "fashn=1.000" ]
emu "$FASHN" GET /__stats >"$TMP/stats"
check "POST /v1/run, not /v1/v1/run" [ "$(jq -r '.paths["POST /v1/run"] // 0' "$TMP/stats")" = 1 ]
b=$(jq -c --arg k "$GKEY" '.bodies[$k]' "$TMP/stats")
check "model_name tryon-v1.6 with model_image and garment_image" \
	[ "$(jq -r '.model_name + ":" + (.inputs | keys | join(","))' <<<"$b")" = "tryon-v1.6:category,garment_image,model_image" ]
mi=$(jq -r .inputs.model_image <<<"$b")
check "the photo went as a short-lived presigned URL of the stack's S3" \
	[ "${mi#http://127.0.0.1:$PRIMERKA_S3_PORT/user-photos/}" != "$mi" -a -n "$(sed -n 's/.*X-Amz-Expires=\([0-9]*\).*/\1/p' <<<"$mi")" ]
check "the emulator downloaded both inputs" [ "$(jq '.downloads | length' "$TMP/stats")" -ge 2 ]
download tryons "$job" "$TMP/plain.jpg"
check "the result downloads as a JPEG" is_jpeg "$TMP/plain.jpg"
tryon_done=$job

echo "FASHN: a try-on in a location FASHN cannot take"
job=$(tryon_job location)
worker
check "COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
b=$(stat "$FASHN" '.bodies[$k]')
check "FASHN got only the inputs it documents" \
	[ "$(jq -r '.inputs | keys | join(",")' <<<"$b")" = "category,garment_image,model_image" ]
check "primerka placed the person in the location" \
	grep -q "\"msg\":\"result placed in the location\",\"job_id\":\"$job\"" "$TMP/worker.log"
check "the person was found in FASHN's result (their mask cut them out), not guessed" \
	grep -q "\"msg\":\"result placed in the location\",\"job_id\":\"$job\",\"person\":\"found\"" "$TMP/worker.log"
download tryons "$job" "$TMP/placed.jpg"
check "the stored result is the placed one, not the vendor's" \
	[ "$(md5sum <"$TMP/placed.jpg")" != "$(md5sum <"$TMP/plain.jpg")" ]

echo "FASHN: an animation (image-to-video at /v1/run)"
reset_all
b0=$(balance)
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$tryon_done}"
ajob=$(jget .id)
worker
check "animation COMPLETED (got $(state "$ajob"))" [ "$(state "$ajob")" = COMPLETED::1 ]
check "animation: one debit" [ "$(debits "$ajob"):$(balance)" = "1:$((b0 - aprice))" ]
emu "$FASHN" GET /__stats >"$TMP/stats"
check "model_name image-to-video with inputs.image, duration 5" \
	[ "$(jq -r '[.bodies[] | .model_name + ":" + (.inputs | keys | join(",")) + ":" + (.inputs.duration | tostring)] | join(" ")' "$TMP/stats")" = "image-to-video:duration,image:5" ]
check "no /v1/animate" [ "$(jq -r '.paths["POST /v1/animate"] // 0' "$TMP/stats")" = 0 ]
download animations "$ajob" "$TMP/video"
check "the video downloads as an MP4" [ "$(head -c 8 "$TMP/video" | tail -c 4)" = ftyp ]
check "the animation's credits are recorded" [ "$(credits "$ajob")" = "fashn=1.000" ]

# verdict NAME CODE: a FASHN runtime error NAME fails the job with CODE at
# once, uncharged, with a message for the user.
verdict() {
	reset_all
	script "$FASHN" "\"outcome\":\"fail\",\"error_name\":\"$1\""
	b0=$(balance)
	job=$(tryon_job)
	worker
	check "$1: FAILED $2 in one attempt (got $(state "$job"))" [ "$(state "$job")" = "FAILED:$2:1" ]
	check "$1: not charged" [ "$(debits "$job"):$(balance)" = "0:$b0" ]
	msg=$(message "$job")
	check "$1: the user reads \"${msg:0:60}...\"" [ -n "$msg" -a "$msg" != "$INTERNAL_EN" ]
}
INTERNAL_EN="Something went wrong on our side. Please try again in a minute."
echo "FASHN: every runtime error class"
verdict PoseError photo_pose
check "photo_pose tells what to do" grep -q "pose in this photo. Try one where you stand" <<<"$msg"
verdict ContentModerationError photo_nsfw
verdict InputValidationError provider_rejected
verdict ThirdPartyError provider_rejected

echo "a waist-up photo: bottoms fail body_cut_off before FASHN is called, a top passes"
reset_all
req POST /photos -H "$H" -H "Content-Type: image/jpeg" --data-binary "@$D/people_waist_up_pool_hall.jpg"
wphoto=$(jget .id)
req GET "/outfits?category=bottoms" -H "$H"
bottoms=$(jget '.items[0].id')
req GET "/outfits?category=tops" -H "$H"
tops=$(jget '.items[0].id')
b0=$(balance)
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$wphoto,\"outfit_id\":$bottoms}"
job=$(jget .id)
worker
check "bottoms: FAILED body_cut_off in one attempt (got $(state "$job"))" [ "$(state "$job")" = FAILED:body_cut_off:1 ]
check "bottoms: not charged, nothing held" [ "$(debits "$job"):$(balance)" = "0:$b0" ]
emu "$FASHN" GET /__stats >"$TMP/stats"
check "bottoms: FASHN was never called (no request, no download)" \
	[ "$(jq '([.paths // {} | .[]] | add // 0) + ([.downloads // {} | .[]] | add // 0)' "$TMP/stats")" = 0 ]
check "bottoms: no provider credits" [ -z "$(credits "$job")" ]
check "bottoms: the user is told what to photograph" grep -q "from the shoulders to the knees" <<<"$(message "$job")"
check "the photo's pose and mask are stored with its verdict" \
	[ "$(db "SELECT status || ':' || cardinality(pose) || ':' || (length(pose_mask) BETWEEN 100 AND 65536) FROM photos WHERE id = $wphoto")" = accepted:165:true ]
req GET /me -H "$H"
check "bottoms: /me holds no tokens for it" [ "$(jget .reserved)" = 0 ]
req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$wphoto,\"outfit_id\":$tops}"
job=$(jget .id)
worker
check "tops: COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "tops: FASHN made it" [ "$(stat "$FASHN" '[.created // {} | .[]] | add // 0')" = 1 ]

reset_all
script "$FASHN" '"submit":["RateLimitExceeded","ConcurrencyLimitExceeded","ConcurrencyLimitExceeded"],"retry_after":"0"'
job=$(tryon_job)
worker
check "COMPLETED after three 429s (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "four submissions, one prediction" \
	[ "$(stat "$FASHN" '(.submits[$k] // 0 | tostring) + ":" + (.created[$k] // 0 | tostring)')" = 4:1 ]

echo "FASHN: out of credits"
reset_all
script "$FASHN" '"submit":["OutOfCredits","OutOfCredits","OutOfCredits"]'
b0=$(balance)
job=$(tryon_job)
worker
check "FAILED provider_unavailable at once (got $(state "$job"))" [ "$(state "$job")" = FAILED:provider_unavailable:1 ]
check "one submission, no retry" [ "$(stat "$FASHN" '.submits[$k] // 0')" = 1 ]
check "not charged" [ "$(debits "$job"):$(balance)" = "0:$b0" ]
check "an operator alert in the log" grep -q '"alert":"out_of_credits"' "$TMP/worker.log"
check "and in /metrics" metrics_until 'primerka_provider_alerts\{provider="fashn",kind="out_of_credits"\} [1-9]'
check "the user is told to come back later" grep -q "not available right now" <<<"$(message "$job")"

echo "FASHN: an input URL expired before FASHN fetched it (ImageLoadError)"
reset_all
script "$FASHN" '"fetch_delays":[5500]'
b0=$(balance)
job=$(tryon_job)
PRIMERKA_WORKER_INPUT_URL_TTL=3 finish "$job"
check "COMPLETED on a second attempt (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::2 ]
check "the second prediction got fresh URLs (2 predictions, 1 debit)" \
	[ "$(stat "$FASHN" '.created[$k] // 0'):$(debits "$job")" = 2:1 ]
reset_all
script "$FASHN" '"fetch_delays":[5500,5500]'
job=$(tryon_job)
PRIMERKA_WORKER_INPUT_URL_TTL=3 finish "$job"
check "twice: FAILED provider_rejected after 2 attempts (got $(state "$job"))" \
	[ "$(state "$job")" = FAILED:provider_rejected:2 ]

echo "fallback: [providers] tryon = fashn, local"
export PRIMERKA_PROVIDERS_TRYON="fashn, local"
for case in '"submit":[500,500,500,500]' '"submit":["OutOfCredits"]' '"outcome":"hang"'; do
	reset_all
	script "$FASHN" "$case"
	job=$(tryon_job)
	PRIMERKA_FASHN_JOB_TIMEOUT_MS=1500 worker
	check "{$case}: COMPLETED by local (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
done
check "the fallbacks are logged" [ "$(grep -c '"msg":"provider unavailable, trying the next"' "$TMP/worker.log")" -ge 3 ]
reset_all
script "$FASHN" '"outcome":"fail","error_name":"PoseError"'
job=$(tryon_job)
worker
check "a verdict is not retried elsewhere: FAILED photo_pose (got $(state "$job"))" [ "$(state "$job")" = FAILED:photo_pose:1 ]
unset PRIMERKA_PROVIDERS_TRYON

echo "FASHN: a worker killed while FASHN works resumes, without paying twice"
reset_all
script "$FASHN" '"run_ms":5000'
b0=$(balance)
job=$(tryon_job)
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
worker
# Killed while holding the job: rescued, a second attempt; killed once
# the job was parked: nothing to rescue, no attempt lost.
check "COMPLETED, the kill costing at most one attempt (got $(state "$job"))" \
	bash -c '[ "$1" = COMPLETED::1 ] || [ "$1" = COMPLETED::2 ]' _ "$(state "$job")"
check "one prediction paid for, one debit" \
	[ "$(stat "$FASHN" '.created[$k] // 0'):$(debits "$job"):$(balance)" = "1:1:$((b0 - price))" ]
check "the same remote id polled to the end" \
	[ "$(emu "$FASHN" GET /__stats | jq -r --arg r "${ref#fashn:}" '.polls[$r] // 0')" -gt 3 ]
check "its credits counted once" [ "$(credits "$job")" = "fashn=1.000" ]

echo "fal: try-on in a location and animation through the queue API"
export PRIMERKA_PROVIDERS_TRYON=fal PRIMERKA_PROVIDERS_ANIMATE=fal
reset_all
job=$(tryon_job location)
worker
check "COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "submitted to fal-ai/fashn/tryon/v1.6, polled under fal-ai/fashn" \
	[ "$(emu "$FAL" GET /__stats | jq -r '[.paths["POST /fal-ai/fashn/tryon/v1.6"], (.paths["GET /fal-ai/fashn/requests/ID/status"] > 0)] | map(tostring) | join(":")')" = "1:true" ]
check "placed in the location" grep -q "\"msg\":\"result placed in the location\",\"job_id\":\"$job\"" "$TMP/worker.log"
check "credits recorded for fal" [ "$(credits "$job")" = "fal=1.000" ]
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$job}"
ajob=$(jget .id)
worker
check "animation COMPLETED (got $(state "$ajob"))" [ "$(state "$ajob")" = COMPLETED::1 ]
check "the video model got image_url and a prompt" \
	[ "$(emu "$FAL" GET /__stats | jq -r '[.bodies[] | select(.image_url) | (keys | join(","))] | join(" ")')" = "duration,image_url,prompt" ]
reset_all
script "$FAL" '"outcome":"fail","error_type":"content_policy_violation"'
job=$(tryon_job)
worker
check "content_policy_violation: FAILED photo_nsfw (got $(state "$job"))" [ "$(state "$job")" = FAILED:photo_nsfw:1 ]

echo "Replicate: try-on (IDM-VTON by version) and animation (by name)"
export PRIMERKA_PROVIDERS_TRYON=replicate PRIMERKA_PROVIDERS_ANIMATE=replicate
reset_all
job=$(tryon_job)
worker
check "COMPLETED (got $(state "$job"))" [ "$(state "$job")" = COMPLETED::1 ]
check "IDM-VTON's input names" \
	[ "$(stat "$REP" '.bodies[$k].input | keys | join(",")')" = "category,garm_img,garment_des,human_img" ]
check "credits recorded (prediction seconds)" [ -n "$(credits "$job")" ]
req POST /animations -H "$H" -H "$JSON" --data "{\"tryon_id\":$job}"
ajob=$(jget .id)
worker
check "animation COMPLETED (got $(state "$ajob"))" [ "$(state "$ajob")" = COMPLETED::1 ]
reset_all
script "$REP" '"submit":[402]'
job=$(tryon_job)
worker
check "402: FAILED provider_unavailable (got $(state "$job"))" [ "$(state "$job")" = FAILED:provider_unavailable:1 ]
unset PRIMERKA_PROVIDERS_TRYON PRIMERKA_PROVIDERS_ANIMATE

echo "credits for the operator"
metrics_until '^primerka_provider_credits_total\{provider="fal"\} [1-9]'
check "/metrics: primerka_provider_credits_total for fashn and fal" \
	[ "$(grep -cE '^primerka_provider_credits_total\{provider="(fashn|fal)"\} [1-9]' <<<"$m")" = 2 ]
"$ROOT/primerka-admin" stats 2 >"$TMP/stats.txt" 2>&1
today=$(date -u +%F)
check "primerka-admin stats: today's tokens against credits" \
	grep -qE "^$today	[0-9]+	[0-9]+	.*fashn=[0-9.]+/[0-9]+" "$TMP/stats.txt"

if [ "$fail" != 0 ]; then
	echo "--- worker log (tail)"
	tail -n 30 "$TMP/worker.log"
fi
summary
