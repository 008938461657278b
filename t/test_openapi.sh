#!/usr/bin/env bash
# docs/openapi.yaml against the server: (1) every route of fcgi/routes.c
# is in the spec with its method, path and auth, and nothing else is;
# (2) the spec is valid YAML and structurally sane (references resolve,
# schema keywords, statuses, examples match their schemas, the status,
# error and reason dictionaries equal lib/jobs.c, lib/qc.c and the codes
# the handlers send); (3) live answers of the stack scripts/test started
# conform to the spec (status documented, headers, body against the
# schema, strictly: a field the spec does not name is a failure).
#
# Needs /usr/bin/python3 with the yaml module (Debian python3-yaml); the
# checks are t/openapi_check.py, whose schema checker is a small subset of
# JSON Schema written there, so nothing else is needed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }
PY=/usr/bin/python3
SPEC=${PRIMERKA_OPENAPI:-$ROOT/docs/openapi.yaml}
OA="$ROOT/t/openapi_check.py"


# Turn the checker's lines into ok/bad.
report() {
	local verdict what
	while IFS=$'\t' read -r verdict what; do
		[ -z "$verdict" ] && continue
		case $verdict in
		ok) ok "$what" ;;
		FAIL) bad "$what" ;;
		*) bad "checker said: $verdict $what" ;;
		esac
	done
}

echo "the spec and fcgi/routes.c"
if ! "$PY" -c 'import yaml' 2>/dev/null; then
	bad "$PY has no yaml module (install python3-yaml)"
	summary
	exit 1
fi
"$PY" "$OA" static "$SPEC" "$ROOT" "$TMP/spec.json" > "$TMP/static.out" 2>&1 ||
	bad "the static checker crashed: $(tail -3 "$TMP/static.out")"
report < <(grep -E $'^(ok|FAIL)\t' "$TMP/static.out")
[ -f "$TMP/spec.json" ] || { summary; exit 1; }

# call STATUS METHOD TEMPLATE PATH [curl args...]: one live request through
# nginx; the answer must have STATUS and conform to the spec's operation
# METHOD TEMPLATE.  Sets $code, $body and $hdrs.
call() {
	local want=$1 m=$2 tmpl=$3 path=$4 out; shift 4
	rm -f "$TMP/body" "$TMP/hdrs"
	code=$(curl -sS -D "$TMP/hdrs" -o "$TMP/body" -w '%{http_code}' -X "$m" \
		"${PRIMERKA_URL%/}$path" "$@")
	touch "$TMP/body" "$TMP/hdrs"
	body=$(cat "$TMP/body")
	hdrs=$(cat "$TMP/hdrs")
	if [ "$code" != "$want" ]; then
		bad "$m $path -> $want (got $code: ${body:0:160})"
		return 1
	fi
	out=$("$PY" "$OA" resp "$TMP/spec.json" "$m" "$tmpl" "$code" "$TMP/hdrs" \
		"$TMP/body" 2>&1)
	report <<<"$out"
	grep -q $'^ok\t' <<<"$out"
}
hdr() { tr -d '\r' <<<"$hdrs" | sed -n "s/^$1: //Ip" | tail -1; }

# poll TEMPLATE PATH AUTH: GET until COMPLETED or FAILED; every answer on
# the way must conform too.
poll() {
	local tmpl=$1 path=$2 h=$3 st="" out n=0 fails=""
	for _ in $(seq 1 240); do
		rm -f "$TMP/body" "$TMP/hdrs"
		code=$(curl -sS -D "$TMP/hdrs" -o "$TMP/body" -w '%{http_code}' \
			"${PRIMERKA_URL%/}$path" -H "$h")
		touch "$TMP/body" "$TMP/hdrs"
		body=$(cat "$TMP/body")
		hdrs=$(cat "$TMP/hdrs")
		n=$((n + 1))
		out=$("$PY" "$OA" resp "$TMP/spec.json" GET "$tmpl" "$code" \
			"$TMP/hdrs" "$TMP/body" quiet 2>&1)
		[ -n "$out" ] && fails="$fails ${out#FAIL	}"
		st=$(jget .status 2>/dev/null)
		{ [ "$st" = COMPLETED ] || [ "$st" = FAILED ]; } && break
		sleep 0.25
	done
	if [ -z "$fails" ]; then
		ok "GET $tmpl: $n polls up to $st conform"
	else
		bad "GET $tmpl: polls up to $st:$fails"
	fi
}

n=$RANDOM
UU=$((360000000 + n)) UA=$((370000000 + n))
"$ROOT/scripts/demo-data" "$UU" 500 >/dev/null
ADMIN set-role "$UA" admin >/dev/null
HU=$(auth "$UU" --lang en) HA=$(auth "$UA")
V=/api/v1

echo "live answers: user, catalogue"
call 401 GET $V/me $V/me
check "401 carries WWW-Authenticate: tma" [ "$(hdr WWW-Authenticate)" = tma ]
call 401 GET $V/me $V/me -H "Authorization: tma query_id=1&user=%7B%7D&auth_date=1&hash=zz"
call 200 GET $V/me $V/me -H "$HU"
call 405 PUT $V/me $V/me -H "$HU"
call 404 GET $V/nowhere $V/nowhere -H "$HU"
call 200 GET $V/outfits "$V/outfits?limit=5" -H "$HU"
outfit=$(jget '.items[0].id')
call 200 GET "$V/outfits/{id}" "$V/outfits/$outfit" -H "$HU"
call 400 GET $V/outfits "$V/outfits?category=hats" -H "$HU"
call 404 GET "$V/outfits/{id}" "$V/outfits/99999999999" -H "$HU"
call 200 GET $V/locations "$V/locations?limit=1" -H "$HU"
location=$(jget '.items[0].id')
call 200 GET "$V/locations/{id}" "$V/locations/$location" -H "$HU"

echo "live answers: photos"
call 201 POST $V/photos $V/photos -H "$HU" -H "Content-Type: image/jpeg" \
	--data-binary "@$D/people_interior_pool_hall.jpg"
photo=$(jget .id)
call 415 POST $V/photos $V/photos -H "$HU" -H "Content-Type: image/jpeg" \
	--data-binary "not an image"
call 411 POST $V/photos $V/photos -H "$HU"
for _ in $(seq 1 80); do
	req GET "/photos/$photo" -H "$HU"
	[ "$(jget .status)" != pending ] && break
	sleep 0.25
done
call 200 GET "$V/photos/{id}" "$V/photos/$photo" -H "$HU"
check "the checked photo carries its quality report ($(jget .status))" \
	[ "$(jget .quality.verdict)" = accept ]
call 200 GET $V/photos "$V/photos?limit=2" -H "$HU"
call 404 GET "$V/photos/{id}" "$V/photos/999999999999" -H "$HU"
call 400 GET $V/photos "$V/photos?cursor=0" -H "$HU"

echo "live answers: try-ons and animations"
call 400 POST $V/tryons $V/tryons -H "$HU" -H "$JSON" --data '{"user_photo_id": 1,'
call 415 POST $V/tryons $V/tryons -H "$HU" -H "Content-Type: text/plain" --data '{}'
call 404 POST $V/tryons $V/tryons -H "$HU" -H "$JSON" \
	--data "{\"user_photo_id\": 999999999999, \"outfit_id\": $outfit}"
key="openapi-$n-$RANDOM"
call 202 POST $V/tryons $V/tryons -H "$HU" -H "$JSON" -H "Idempotency-Key: $key" \
	--data "{\"user_photo_id\": $photo, \"outfit_id\": $outfit, \"location_id\": $location}"
job=$(jget .id)
call 202 POST $V/tryons $V/tryons -H "$HU" -H "$JSON" -H "Idempotency-Key: $key" \
	--data "{\"user_photo_id\": $photo, \"outfit_id\": $outfit, \"location_id\": $location}"
check "a replay says Idempotent-Replayed: true and is the same job" \
	[ "$(hdr Idempotent-Replayed):$(jget .id)" = "true:$job" ]
poll "$V/tryons/{id}" "$V/tryons/$job" "$HU"
call 200 GET "$V/tryons/{id}" "$V/tryons/$job" -H "$HU"
check "the try-on COMPLETED with a result" [ "$(jget .status):$(jget '.result.url != null')" = COMPLETED:true ]
etag=$(hdr ETag)
call 304 GET "$V/tryons/{id}" "$V/tryons/$job" -H "$HU" -H "If-None-Match: $etag"
call 409 POST "$V/tryons/{id}/cancel" "$V/tryons/$job/cancel" -H "$HU"
call 200 GET $V/tryons "$V/tryons?limit=3" -H "$HU"
call 409 POST $V/animations $V/animations -H "$HU" -H "$JSON" -H "Idempotency-Key: $key" \
	--data "{\"tryon_id\": $job}"
call 202 POST $V/animations $V/animations -H "$HU" -H "$JSON" --data "{\"tryon_id\": $job}"
anim=$(jget .id)
poll "$V/animations/{id}" "$V/animations/$anim" "$HU"
call 200 GET "$V/animations/{id}" "$V/animations/$anim" -H "$HU"
check "the animation COMPLETED with a preview" [ "$(jget .status):$(jget '.result.preview_url != null')" = COMPLETED:true ]
call 200 GET $V/animations "$V/animations" -H "$HU"
call 404 GET "$V/animations/{id}" "$V/animations/$job" -H "$HU"
call 200 POST "$V/tryons/{id}/share" "$V/tryons/$job/share" -H "$HU"
call 404 POST "$V/tryons/{id}/share" "$V/tryons/$anim/share" -H "$HU"
call 200 POST "$V/animations/{id}/share" "$V/animations/$anim/share" -H "$HU"
call 404 DELETE "$V/animations/{id}" "$V/animations/$job" -H "$HU"
call 204 DELETE "$V/animations/{id}" "$V/animations/$anim" -H "$HU"
call 204 DELETE "$V/tryons/{id}" "$V/tryons/$job" -H "$HU"
call 404 DELETE "$V/tryons/{id}" "$V/tryons/$job" -H "$HU"

echo "live answers: events, catalogue writes, statistics"
call 202 POST $V/events $V/events -H "$HU" -H "$JSON" \
	--data "{\"events\":[{\"kind\":\"view\",\"outfit_id\":$outfit},{\"kind\":\"click\",\"outfit_id\":$outfit}]}"
call 400 POST $V/events $V/events -H "$HU" -H "$JSON" --data "{\"kind\":\"like\",\"outfit_id\":$outfit}"
shop=$(ADMIN add-shop "OpenAPI $n")
call 403 POST $V/outfits $V/outfits -H "$HU" -H "$JSON" --data '{"title":"x"}'
call 201 POST $V/outfits $V/outfits -H "$HA" -H "$JSON" \
	--data "{\"title\":\"Linen shirt\",\"shop_id\":$shop,\"price\":250000,\"product_url\":\"https://example.com/p/1\"}"
oid=$(jget .id)
check "Location names the new outfit" [ "$(hdr Location)" = "$V/outfits/$oid" ]
call 400 PATCH "$V/outfits/{id}" "$V/outfits/$oid" -H "$HA" -H "$JSON" --data '{"colour":"red"}'
call 200 PUT "$V/outfits/{id}/image" "$V/outfits/$oid/image" -H "$HA" \
	-H "Content-Type: image/png" --data-binary "@$D/product_tshirt_mockup.png"
call 422 PUT "$V/outfits/{id}/image" "$V/outfits/$oid/image" -H "$HA" \
	-H "Content-Type: image/png" --data-binary "@$D/product_coffee_cup.png"
call 200 PATCH "$V/outfits/{id}" "$V/outfits/$oid" -H "$HA" -H "$JSON" --data '{"price":null,"category":"bottoms"}'
call 200 GET "$V/shops/{id}/stats" "$V/shops/$shop/stats" -H "$HA"
call 400 GET "$V/shops/{id}/stats" "$V/shops/$shop/stats?from=2026-02-30" -H "$HA"
call 403 GET "$V/shops/{id}/stats" "$V/shops/$shop/stats" -H "$HU"
call 204 DELETE "$V/outfits/{id}" "$V/outfits/$oid" -H "$HA"
call 201 POST $V/locations $V/locations -H "$HA" -H "$JSON" --data '{"title":"Beach","tags":["sea"]}'
lid=$(jget .id)
call 200 PUT "$V/locations/{id}/image" "$V/locations/$lid/image" -H "$HA" \
	-H "Content-Type: image/jpeg" --data-binary "@$D/scene_street_town_sharp.jpg"
call 200 PATCH "$V/locations/{id}" "$V/locations/$lid" -H "$HA" -H "$JSON" --data '{"description":"Sand"}'
call 204 DELETE "$V/locations/{id}" "$V/locations/$lid" -H "$HA"
call 204 DELETE "$V/photos/{id}" "$V/photos/$photo" -H "$HU"

echo "live answers: payments"
call 200 GET $V/packs $V/packs -H "$HU"
call 201 POST $V/purchases $V/purchases -H "$HU" -H "$JSON" --data '{"pack_id":1}'
pid=$(jget .id)
check "Location names the new purchase" [ "$(hdr Location)" = "$V/purchases/$pid" ]
call 400 POST $V/purchases $V/purchases -H "$HU" -H "$JSON" --data '{"pack_id":9}'
call 200 GET "$V/purchases/{id}" "$V/purchases/$pid" -H "$HU"
call 404 GET "$V/purchases/{id}" "$V/purchases/$pid" -H "$HA"
call 401 POST $V/telegram/webhook $V/telegram/webhook -H "$JSON" --data '{"update_id":1}'
call 200 POST $V/telegram/webhook $V/telegram/webhook -H "$JSON" \
	-H "X-Telegram-Bot-Api-Secret-Token: $PRIMERKA_TG_WEBHOOK_SECRET" --data '{"update_id":1}'

echo "live answers: settings"
call 200 GET $V/me/settings $V/me/settings -H "$HU"
call 200 PATCH $V/me/settings $V/me/settings -H "$HU" -H "$JSON" --data '{"notifications":false,"language":"ru"}'
check "the change is in the answer" [ "$(jq -c '[.notifications, .language]' <<<"$body")" = '[false,"ru"]' ]
call 400 PATCH $V/me/settings $V/me/settings -H "$HU" -H "$JSON" --data '{"notifications":1}'
call 401 GET $V/me/settings $V/me/settings

echo "live answers: the token history"
call 200 GET $V/ledger "$V/ledger?limit=3" -H "$HU"
check "it has entries, newest first ($(jq -c '[.items[].id]' <<<"$body"))" \
	[ "$(jq '(.items | length) > 0 and ([.items[].id] == ([.items[].id] | sort | reverse))' <<<"$body")" = true ]
call 400 GET $V/ledger "$V/ledger?limit=101" -H "$HU"
call 401 GET $V/ledger $V/ledger

echo "live answers: erasure"
call 401 DELETE $V/me $V/me
call 204 DELETE $V/me $V/me -H "$(auth $((UU + 7)))"

echo "live answers: loopback endpoints"
call 200 GET /healthz /healthz
call 200 GET /livez /livez
call 200 GET /readyz /readyz
call 200 GET /metrics /metrics

summary
