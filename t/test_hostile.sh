#!/usr/bin/env bash
# The bad-input suite: a corpus of hostile requests (t/hostile/gen_corpus.py,
# generated at test time) sent through nginx to the real stack.  Every
# answer must be below 500, every error from the API must have the JSON
# error shape, no process of the stack may die, and nothing stored may
# change.  Runs against the stack that scripts/test started
# (PRIMERKA_VAR / PRIMERKA_PORT), like the other t/test_*.sh.
#
# HOSTILE_KEEP=DIR keeps the generated corpus and the answers there, to
# replay a request: curl -K DIR/req/<id>.cfg
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }
GEN="$ROOT/t/hostile/gen_corpus.py"
PY=/usr/bin/python3
RUN="$PRIMERKA_VAR/run"
LOGS="$PRIMERKA_VAR/log"
HOSTPORT=${PRIMERKA_URL#http://}
HOSTPORT=${HOSTPORT%/}
started=$SECONDS

# -------------------------------------------------------------- fixtures
echo "fixtures"
n=$RANDOM
U1=$((370000000 + n)) U2=$((371000000 + n)) SA=$((372000000 + n))
SB=$((373000000 + n)) AD=$((374000000 + n)) U3=$((375000000 + n))
NX=$((9000000000000 + n))      # an id no row has
shopA=$(ADMIN add-shop "Hostile A $n")
shopB=$(ADMIN add-shop "Hostile B $n")
ADMIN set-role "$SA" shop_staff --shop "$shopA" >/dev/null
ADMIN set-role "$SB" shop_staff --shop "$shopB" >/dev/null
ADMIN set-role "$AD" admin >/dev/null
ADMIN set-role "$U3" user >/dev/null	# a row, but never signed in
OA=$(ADMIN add-outfit "$shopA" "$D/product_tshirt_mockup.png" --title "Hostile tee $n" \
	--category tops --price 100000 --url "https://example.com/a")
OB=$(ADMIN add-outfit "$shopB" "$D/product_tshirt_mockup.png" --title "Hostile tee B $n" \
	--category tops --price 200000 --url "https://example.com/b")
LOC=$(ADMIN add-location "$D/scene_interior_living_room.jpg" --title "Hostile room $n" \
	--tags "hostile,room")
H1=$(auth "$U1") H2=$(auth "$U2")
req GET /me -H "$H1"
expect 200 "user 1 exists"
req GET /me -H "$H2"
expect 200 "user 2 exists"
req POST /photos -H "$H1" -H "Content-Type: image/jpeg" --data-binary "@$D/people_interior_pool_hall.jpg"
expect 201 "user 1's JPEG photo"
P1=$(jget .id)
req POST /photos -H "$H1" -H "Content-Type: image/png" --data-binary "@$D/people_astronaut_portrait.png"
expect 201 "user 1's PNG photo"
P2=$(jget .id)
req POST /tryons -H "$H1" -H "$JSON" --data "{\"user_photo_id\":$P1,\"outfit_id\":$OA,\"location_id\":$LOC}"
expect 202 "user 1's try-on"
T1=$(jget .id)
check "the try-on completed" [ "$(wait_job tryons "$T1" "$H1")" = COMPLETED ]
req POST /animations -H "$H1" -H "$JSON" --data "{\"tryon_id\":$T1}"
expect 202 "user 1's animation"
A1=$(jget .id)
check "the animation completed" [ "$(wait_job animations "$A1" "$H1")" = COMPLETED ]
ids="$shopA $shopB $OA $OB $LOC $P1 $P2 $T1 $A1"
check "fixture ids are numbers ($ids)" grep -qE '^[0-9]+( [0-9]+){8}$' <<<"$ids"

# Let the worker finish everything (photo and catalogue verdicts, jobs) so the snapshot
# is of a still database.
quiet() {
	local i
	for i in $(seq 1 ${1:-120}); do
		[ "$($PSQL -c "SELECT (SELECT count(*) FROM jobs WHERE status NOT IN ('COMPLETED','FAILED')) + (SELECT count(*) FROM photos WHERE status = 'pending') + (SELECT count(*) FROM outfits WHERE active AND image_key IS NOT NULL AND nsfw_checked_at IS NULL) + (SELECT count(*) FROM locations WHERE active AND image_key IS NOT NULL AND nsfw_checked_at IS NULL)")" = 0 ] && return 0
		sleep 0.5
	done
	return 1
}
check "the stack is idle before the corpus" quiet 120
if [ "$fail" != 0 ]; then
	echo "the fixtures failed: not sending the corpus"
	summary
	exit 1
fi

# -------------------------------------------------------------- snapshots
# Everything stored: whole tables (users without the columns a sign-in
# legitimately refreshes) and the object store's listing.
snapshot() {
	local dir=$1 t
	mkdir -p "$dir"
	$PSQL -c "COPY (SELECT id, role, shop_id, balance, created_at FROM users ORDER BY id) TO STDOUT" > "$dir/users"
	for t in shops outfits locations photos jobs job_events ledger events purchases; do
		$PSQL -c "COPY (SELECT * FROM $t ORDER BY id) TO STDOUT" > "$dir/$t"
	done
	(cd "$PRIMERKA_VAR/s3" && find . -type f -printf '%p %s\n' | sort) > "$dir/s3"
}
# The processes of the stack: the FastCGI supervisor and its workers,
# nginx and its workers, the postmaster, s3rver, the batch worker and its
# children.  A changed set of child PIDs means a child died.
processes() {
	local f p
	for f in fcgi nginx s3rver telegram worker; do
		p=$(cat "$RUN/$f.pid" 2>/dev/null)
		echo "$f ${p:-none} alive=$(kill -0 "${p:-0}" 2>/dev/null && echo yes || echo no)" \
			"children=$(pgrep -P "${p:-0}" | sort -n | tr '\n' ' ')"
	done
	p=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null)
	echo "postgres ${p:-none} alive=$(kill -0 "${p:-0}" 2>/dev/null && echo yes || echo no)"
}
loglines() { wc -l < "$1" 2>/dev/null || echo 0; }
newlog() { tail -n +$(($2 + 1)) "$1" 2>/dev/null; }

snapshot "$TMP/before"
processes > "$TMP/procs.before"
declare -A logat
for l in fcgi.log worker.log nginx-error.log; do logat[$l]=$(loglines "$LOGS/$l"); done
logat[postgres.log]=$(loglines "$PG_LOG")

# -------------------------------------------------------------- corpus
echo "corpus"
C="$TMP/corpus"
cat > "$TMP/fixture.json" <<FX
{"base": "${PRIMERKA_URL%/}", "token": "$PRIMERKA_TELEGRAM_BOT_TOKEN", "now": $(date +%s),
 "u1": $U1, "u2": $U2, "u3": $U3, "sa": $SA, "sb": $SB, "ad": $AD,
 "shop_a": $shopA, "shop_b": $shopB, "nx": $NX, "oa": $OA, "ob": $OB,
 "loc": $LOC, "p1": $P1, "p2": $P2, "t1": $T1, "a1": $A1}
FX
total=$($PY "$GEN" gen "$TMP/fixture.json" "$C")
check "corpus generated (${total:-no} requests, $(du -sh "$C" | cut -f1))" [ "${total:-0}" -ge 500 ]
[ -s "$C/manifest.tsv" ] || { summary; exit 1; }

# expect_ok CODE EXPECT FROM_API: whether the status is one the corpus
# allows (see gen_corpus.py for the vocabulary); sets want_code when the
# answer must also carry a given error.code.
expect_ok() {
	local tok toks
	IFS='|' read -ra toks <<<"$2"
	for tok in "${toks[@]}"; do
		case $tok in
		4xx) [ "$1" -ge 400 ] && [ "$1" -lt 500 ] && return 0 ;;
		lt500) [ "$1" -ge 100 ] && [ "$1" -lt 500 ] && return 0 ;;
		closed) [ "$1" = 000 ] && return 0 ;;
		nginx5??) [ "$1" = "${tok#nginx}" ] && [ "$3" = 0 ] && return 0 ;;
		*:*) [ "$1" = "${tok%%:*}" ] && want_code=${tok#*:} && return 0 ;;
		*) [ "$1" = "$tok" ] && return 0 ;;
		esac
	done
	return 1
}

# The limit is 50 r/s with a burst of 100 per address: starting one
# request every 21 ms never builds up an excess.
last=0
pace() {
	local now=${EPOCHREALTIME/./} wait s
	wait=$((last + 21000 - now))
	if [ "$wait" -gt 0 ]; then
		printf -v s '0.%06d' "$wait"
		sleep "$s"
	fi
	last=${EPOCHREALTIME/./}
}

# send ID MODE: one request, its answer in $ANS/ID (body) and ID.h
# (headers); sets code and usecs.  One fork per request.
ANS="$TMP/answers"
mkdir -p "$ANS"
send() {
	local id=$1 mode=$2 secs
	case $mode in
	raw|rawhalf)
		$PY "$GEN" send-raw "${HOSTPORT%:*}" "${HOSTPORT##*:}" "$C/req/$id.raw" \
			"$ANS/$id.h" "$ANS/$id" ${mode#raw} > "$TMP/w" 2>/dev/null
		secs=0.0 ;;
	*)
		curl -sS -K "$C/req/$id.cfg" -o "$ANS/$id" -D "$ANS/$id.h" \
			-w '%{http_code} %{time_total}\n' > "$TMP/w" </dev/null 2>/dev/null
		;;
	esac
	code=000
	read -r code secs < "$TMP/w"
	[ -n "${secs:-}" ] || secs=0.0
	[ -n "$code" ] || code=000
	[ -e "$ANS/$id" ] || : > "$ANS/$id"
	[ -e "$ANS/$id.h" ] || : > "$ANS/$id.h"
	usecs=$((10#${secs/./}))
}

declare -A total_by bad_by hist code_of
nonjson=() failures=() shape=() reads2xx=0 retried=0 slowest=0 slowest_id=""
while IFS=$'\t' read -r id cat mode want desc; do
	pace
	send "$id" "$mode"
	if [ "$code" = 429 ]; then	# our own pacing failed: try again
		retried=$((retried + 1))
		sleep 1
		send "$id" "$mode"
	fi
	code_of[$id]=$code
	total_by[$cat]=$((${total_by[$cat]:-0} + 1))
	hist["$cat $code"]=$((${hist["$cat $code"]:-0} + 1))
	if [ "$usecs" -gt "$slowest" ]; then
		slowest=$usecs slowest_id="$id $desc"
	fi
	fromapi=0 ctype=""
	mapfile -t hl < "$ANS/$id.h"
	for l in "${hl[@]}"; do
		case ${l,,} in
		x-request-id:*) fromapi=1 ;;
		content-type:*) ctype=${l#*:}; ctype=${ctype# }; ctype=${ctype%$'\r'} ;;
		esac
	done
	why="" want_code=-
	if ! expect_ok "$code" "$want" "$fromapi"; then
		if [ "$code" -ge 500 ]; then why="a $code"; else why="expected $want"; fi
	elif [ "$code" -ge 400 ] && [ "$mode" != head ]; then
		if [ -s "$ANS/$id" ]; then
			if [ "$fromapi" = 1 ] || [[ "$ctype" == application/json* ]]; then
				shape+=("$id $want_code")	# checked below, in one go
			else
				nonjson+=("$id $code $desc")
				why="an error that is not JSON"
			fi
		elif [ "$fromapi" = 1 ]; then
			why="an API error without a body"
		fi
	fi
	[ "$code" -ge 200 ] && [ "$code" -lt 300 ] && reads2xx=$((reads2xx + 1))
	if [ -n "$why" ]; then
		failures+=("$id $cat $code $fromapi $why: $desc")
		bad_by[$cat]=$((${bad_by[$cat]:-0} + 1))
	fi
done < "$C/manifest.tsv"

# Every JSON error answer: {"error":{"code":"...","message":"..."}}, with
# the error.code the corpus names, if any.
while read -r id why; do
	IFS=$'\t' read -r _ cat _ _ desc < <(grep "^$id	" "$C/manifest.tsv")
	failures+=("$id $cat ${code_of[$id]} 1 $why: $desc")
	bad_by[$cat]=$((${bad_by[$cat]:-0} + 1))
done < <(cd "$ANS" && printf '%s\n' "${shape[@]}" | $PY -c '
import json, sys
for line in sys.stdin.read().splitlines():
    i, want = line.split()
    try:
        e = json.load(open(i, "rb"))["error"]
        assert isinstance(e["code"], str) and e["code"]
        assert isinstance(e["message"], str) and e["message"]
    except Exception:
        print(i, "not the JSON error shape")
        continue
    if want != "-" and e["code"] != want:
        print(i, "expected error.code %s, not %s" % (want, e["code"]))')

for f in "${failures[@]}"; do
	read -r id cat code api why <<<"$f"
	bad "[$id $cat] $why, got $code from $([ "$api" = 1 ] && echo the API || echo nginx): $(head -c 200 "$ANS/$id" | tr '\n\r' '  ')"
done
pass=$((pass + total - ${#failures[@]}))

echo "answers by category (status:count)"
for cat in $(printf '%s\n' "${!total_by[@]}" | sort); do
	line=""
	for k in $(printf '%s\n' "${!hist[@]}" | sed -n "s/^$cat //p" | sort -n); do
		line+=" $k:${hist["$cat $k"]}"
	done
	printf '  %-15s %4d requests, %3d failed;%s\n' "$cat" "${total_by[$cat]}" "${bad_by[$cat]:-0}" "$line"
done
echo "  2xx answers (reads the corpus allows): $reads2xx; 429s retried: $retried;" \
	"slowest: $((slowest / 1000)) ms ($slowest_id)"
echo "non-JSON error answers (must be none): ${#nonjson[@]}"
# grouped by status, method and what was sent (the paths differ)
printf '%s\n' "${nonjson[@]}" | awk '{ m = $3; sub(/:$/, "", m); n = split($0, p, ": ")
	k = sprintf("%s %-5s %s", $2, m, p[n])
	if (!(k in c)) { order[++t] = k; first[k] = $1 } c[k]++ }
	END { for (i = 1; i <= t; i++)
		printf "  %-62s x%-3d (#%s)\n", order[i], c[order[i]], first[order[i]] }'
echo "$((total - ${#failures[@]})) of $total requests answered as allowed"

# -------------------------------------------------------------- aftermath
echo "aftermath"
sleep 1
quiet 20 || echo "  (the worker is still busy: something was queued)"
snapshot "$TMP/after"
processes > "$TMP/procs.after"
for t in users shops outfits locations photos jobs job_events ledger events s3; do
	if cmp -s "$TMP/before/$t" "$TMP/after/$t"; then
		ok "$t unchanged ($(wc -l < "$TMP/before/$t") rows)"
	else
		bad "$t changed: $(diff "$TMP/before/$t" "$TMP/after/$t" | head -n 6 | cut -c1-200 | tr '\n' ' ')"
	fi
done
if cmp -s "$TMP/procs.before" "$TMP/procs.after"; then
	ok "no process died ($(tr '\n' ';' < "$TMP/procs.after" | tr -s ' '))"
else
	bad "processes changed: $(diff "$TMP/procs.before" "$TMP/procs.after" | tr '\n' ' ')"
fi
grep -q "alive=no" "$TMP/procs.after" && bad "a stack process is not running"
exited=$(newlog "$LOGS/fcgi.log" "${logat[fcgi.log]}" | grep -c "exited")
check "no 'exited' line in fcgi.log ($exited)" [ "$exited" = 0 ]
w5=$(newlog "$LOGS/fcgi.log" "${logat[fcgi.log]}" | grep -c '"status":"5')
check "no 5xx logged by the API ($w5)" [ "$w5" = 0 ]
sig=$(newlog "$LOGS/nginx-error.log" "${logat[nginx-error.log]}" | grep -c "exited on signal")
check "no nginx worker died ($sig)" [ "$sig" = 0 ]
pg=$(newlog "$PG_LOG" "${logat[postgres.log]}" | grep -cE "terminated by signal|PANIC|server process .* exited")
check "no PostgreSQL backend crashed ($pg)" [ "$pg" = 0 ]
if [ -n "${HOSTILE_KEEP:-}" ]; then
	mkdir -p "$HOSTILE_KEEP" && cp -r "$C"/. "$TMP/before" "$TMP/after" "$ANS" \
		"$HOSTILE_KEEP"/
	echo "corpus kept in $HOSTILE_KEEP"
fi
echo "slow and oversized bodies before authentication"
head -c 16777216 /dev/zero > "$TMP/16m"
# slow_post PATH [curl args]: 16 MB at 256 KB/s, no Authorization; prints
# "CODE SECONDS".
slow_post() {
	local p=$1; shift
	curl -sS -o "$TMP/slow.body" -w '%{http_code} %{time_total}' --max-time 20 \
		--limit-rate 256k -X POST "$API$p" -H "$JSON" "$@" --data-binary "@$TMP/16m" 2>/dev/null
}
read -r sc st <<<"$(slow_post /events)"
early() { [ "$sc" = 413 ] && awk -v t="$st" 'BEGIN { exit !(t < 3) }' && jq -e '.error.code == "too_large"' "$TMP/slow.body" >/dev/null; }
check "a slow 16 MB body to a JSON route is refused before it is read ($sc in $st s)" early
read -r sc st <<<"$(slow_post /telegram/webhook -H 'Transfer-Encoding: chunked')"
check "...also without a length, chunked ($sc in $st s)" early
# limit_conn: 64 slow uploads from one address hold their connections.
pids=()
head -c 60000 /dev/zero > "$TMP/60k"
for i in $(seq 1 66); do
	curl -sS -o /dev/null --max-time 30 --limit-rate 2k -X POST "$API/events" -H "$JSON" \
		--data-binary "@$TMP/60k" 2>/dev/null &
	pids+=($!)
done
sleep 1.5
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' "$API/me"); body=$(cat "$TMP/body")
kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
expect 429 "one client holding 66 connections: the next is refused"
rm -f "$TMP/16m" "$TMP/60k"

echo "took $((SECONDS - started)) s"
summary
