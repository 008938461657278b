#!/usr/bin/env bash
# Operations and faults, on the stack scripts/test started: retention and
# user deletion remove objects and rows; PostgreSQL stopped and restarted
# under load (the API answers 503 JSON while it is down and recovers by
# itself, the worker resumes, no job is lost, tokens charged equal jobs
# completed); S3 gone (the API answers 503 JSON, then recovers); the
# production nginx site; make install, whose migrations build a database.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }
. "$ROOT/scripts/common.sh"
S3DIR="$PRIMERKA_VAR/s3"
n=$RANDOM

# A user with a judged photo and a completed try-on.
setup_user() {
	local u=$1 h
	"$ROOT/scripts/demo-data" "$u" 500 >/dev/null
	h=$(auth "$u")
	req POST /photos -H "$h" -H "Content-Type: image/jpeg" --data-binary "@$D/people_interior_pool_hall.jpg"
	P=$(jget .id)
	req GET /outfits -H "$h"
	O=$(jget '.items[0].id')
	req POST /tryons -H "$h" -H "$JSON" --data "{\"user_photo_id\":$P,\"outfit_id\":$O}"
	J=$(jget .id)
	wait_job tryons "$J" "$h" >/dev/null
}
object_exists() { [ -f "$S3DIR/$1/$2._S3rver_object" ]; }
object_gone() { ! object_exists "$@"; }
# The worker may be deleting it at the same moment: allow it 10 s.
gone_soon() {
	for _ in $(seq 1 40); do object_gone "$1" "$2" && return 0; sleep 0.25; done
	return 1
}
fails() { ! "$@" >/dev/null 2>&1; }

echo "retention"
U=$((380000000 + n)); H=$(auth "$U")
setup_user "$U"
pkey=$($PSQL -c "SELECT object_key FROM photos WHERE id = $P")
rkey=$($PSQL -c "SELECT result_key FROM jobs WHERE id = $J")
check "objects exist before" object_exists user-photos "$pkey"
# Purchases: an invoice abandoned 8 days ago, one of today, one paid long ago.
for i in 1 2 3; do
	req POST /purchases -H "$H" -H "$JSON" --data '{"pack_id":1}'
	eval "pp$i=\$(jget .id)"
done
$PSQL -c "UPDATE purchases SET created_at = now() - interval '8 days' WHERE id IN ($pp1, $pp3); UPDATE purchases SET status = 'paid', charge_id = 'ops-$pp3' WHERE id = $pp3" >/dev/null
$PSQL -c "UPDATE photos SET created_at = now() - interval '40 days' WHERE id = $P; UPDATE jobs SET finished_at = now() - interval '100 days' WHERE id = $J" >/dev/null
# Status history and analytics events past their own ages.
req POST /events -H "$H" -H "$JSON" --data "{\"kind\":\"view\",\"outfit_id\":$O}"
$PSQL -c "UPDATE job_events SET at = now() - interval '200 days' WHERE job_id = $J AND status = 'RECEIVED'; UPDATE events SET created_at = now() - interval '500 days' WHERE user_id = $U" >/dev/null
out=$(ADMIN retention)
check "the abandoned purchase is deleted; today's and the paid one stay ($out)" \
	[ "$($PSQL -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM purchases WHERE id IN ($pp1, $pp2, $pp3)")" = "$pp2,$pp3" ]
check "the sweep reports deletions ($out)" grep -qE "^[1-9][0-9]* photos, [1-9][0-9]* results" <<<"$out"
check "the old photo object is gone" gone_soon user-photos "$pkey"
check "the old result object is gone" gone_soon results "$rkey"
req GET "/photos/$P" -H "$H"
expect 404 "the old photo"
req GET "/tryons/$J" -H "$H"
check "the old try-on stays, without a result" [ "$(jget .status):$(jget .result)" = COMPLETED:null ]
check "its ledger row stays" [ "$($PSQL -c "SELECT count(*) FROM ledger WHERE job_id = $J")" = 1 ]
check "old status history is pruned, the rest kept" \
	[ "$($PSQL -c "SELECT count(*) FILTER (WHERE status = 'RECEIVED') || ':' || count(*) FILTER (WHERE status = 'COMPLETED') FROM job_events WHERE job_id = $J")" = "0:1" ]
check "old analytics events are pruned" [ "$($PSQL -c "SELECT count(*) FROM events WHERE user_id = $U")" = 0 ]

echo "deleting a user"
U2=$((390000000 + n))
setup_user "$U2"
pkey=$($PSQL -c "SELECT object_key FROM photos WHERE id = $P")
rkey=$($PSQL -c "SELECT result_key FROM jobs WHERE id = $J")
out=$(ADMIN delete-user "$U2")
check "delete-user ($out)" grep -q "deleted user $U2" <<<"$out"
check "their photo object is gone" gone_soon user-photos "$pkey"
check "their result object is gone" gone_soon results "$rkey"
check "their rows are gone" [ "$($PSQL -c "SELECT (SELECT count(*) FROM jobs WHERE user_id = $U2) + (SELECT count(*) FROM photos WHERE user_id = $U2)")" = 0 ]
check "the user row stays, anonymised, with its ledger" \
	[ "$($PSQL -c "SELECT first_name || ':' || (erased_at IS NOT NULL) || ':' || (SELECT count(*) > 0 FROM ledger WHERE user_id = $U2) FROM users WHERE id = $U2")" = ":true:true" ]
check "deleting a user who never was says no such user" fails ADMIN delete-user 999999999

echo "PostgreSQL stopped and restarted under load"
U3=$((400000000 + n)); H3=$(auth "$U3")
"$ROOT/scripts/demo-data" "$U3" 1000 >/dev/null
req POST /photos -H "$H3" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
P3=$(jget .id)
req GET /me -H "$H3"
b0=$(jget .balance); price=$(jget .prices.tryon)
: > "$TMP/codes"
# Each request has its own Idempotency-Key (load-N), so that the jobs in
# the database can be matched to the answers: "$TMP/codes" holds "N CODE".
load() {
	for i in $(seq 1 40); do
		echo "$i $(curl -sS -o "$TMP/r$i" -w '%{http_code}' -X POST "$API/tryons" -H "$H3" -H "$JSON" \
			-H "Idempotency-Key: load-$i" --data "{\"user_photo_id\":$P3,\"outfit_id\":$O}")" >> "$TMP/codes"
		sleep 0.1
	done
}
load &
lp=$!
sleep 1
as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
sleep 0.5
code=$(curl -sS -o "$TMP/body" -w '%{http_code}' "$API/me" -H "$H3"); body=$(cat "$TMP/body")
expect 503 "GET /me while PostgreSQL is down"
hz=$(curl -sS -o /dev/null -w '%{http_code}' "${PRIMERKA_URL%/}/healthz")
check "/healthz says 503 while it is down" [ "$hz" = 503 ]
sleep 2
as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -w -l "$PG_LOG" \
	-o "-c listen_addresses='' -c unix_socket_directories='$PG_RUN' -c max_connections=200" start >/dev/null
wait $lp
codes=$(cut -d' ' -f2 "$TMP/codes" | sort | uniq -c | tr '\n' ' ')
check "every answer was 202 or 503 ($codes)" [ -z "$(grep -vE '^[0-9]+ (202|503)$' "$TMP/codes")" ]
check "some were refused while it was down" grep -q ' 503$' "$TMP/codes"
check "503 answers are JSON errors" bash -c "for f in $TMP/r*; do jq -e '.id or .error.code' \$f >/dev/null || exit 1; done"
req GET /me -H "$H3"
expect 200 "the API recovered by itself"
accepted=$(grep -c ' 202$' "$TMP/codes")
for _ in $(seq 1 240); do
	left=$($PSQL -c "SELECT count(*) FROM jobs WHERE user_id = $U3 AND status NOT IN ('COMPLETED', 'FAILED')")
	[ "$left" = 0 ] && break
	sleep 0.5
done
read -r submitted completed failed <<<"$($PSQL -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE status = 'COMPLETED'), count(*) FILTER (WHERE status = 'FAILED') FROM jobs WHERE user_id = $U3")"
# A 202 is a promise: its job is in the database.  A commit that lands as
# PostgreSQL stops may lose its answer instead (a 503, the client cannot
# know): that job is there too, and a retry with its key finds it.  No
# job comes from anywhere else.
keys() { sed -n "s/^\([0-9]*\) $1\$/load-\1/p" "$TMP/codes" | sort; }
$PSQL -c "SELECT idempotency_key FROM jobs WHERE user_id = $U3" | sort > "$TMP/in_db"
lost=$(keys 202 | comm -23 - "$TMP/in_db" | wc -l)
extra=$(keys 202 | comm -13 - "$TMP/in_db" | tr '\n' ' ')
charged=$($PSQL -c "SELECT coalesce(-sum(amount), 0) FROM ledger WHERE user_id = $U3 AND kind = 'debit'")
echo "  jobs: accepted $accepted, in db $submitted, completed $completed, failed $failed, lost $lost; tokens charged $charged for $completed completed"
check "no job lost: each 202's job is in the database" [ "$lost" = 0 ]
check "...and every other one is a 503 whose commit landed (${extra:-none})" \
	[ -z "$(keys 503 | comm -13 - <(keys 202 | comm -13 - "$TMP/in_db"))" ]
check "...each job once" [ "$submitted:$submitted" = "$(wc -l < "$TMP/in_db"):$(sort -u "$TMP/in_db" | wc -l)" ]
for k in $extra; do
	req POST /tryons -H "$H3" -H "$JSON" -H "Idempotency-Key: $k" --data "{\"user_photo_id\":$P3,\"outfit_id\":$O}"
	check "...the retry of $k finds its job" [ "$(jget .id)" = "$($PSQL -c "SELECT id FROM jobs WHERE user_id = $U3 AND idempotency_key = '$k'")" ]
done
check "...all finished" [ "$((completed + failed))" = "$submitted" ]
check "the worker resumed: every job finished" [ "$left" = 0 ]
check "tokens charged = completed x price" [ "$charged" = $((completed * price)) ]
req GET /me -H "$H3"
check "balance agrees with the ledger" [ "$(jget .balance)" = $((b0 - charged)) ]

echo "S3 gone"
S3PID=$(cat "$RUN/s3rver.pid")
kill -KILL "$S3PID"
sleep 0.3
req POST /photos -H "$H3" -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
expect 503 "upload while S3 is gone"
hz=$(curl -sS -o /dev/null -w '%{http_code}' "${PRIMERKA_URL%/}/healthz")
check "/healthz says 503" [ "$hz" = 503 ]
rz=$(curl -sS -o /dev/null -w '%{http_code}' "${PRIMERKA_URL%/}/readyz")
lz=$(curl -sS -o /dev/null -w '%{http_code}' "${PRIMERKA_URL%/}/livez")
check "/readyz says 503, /livez 200: the process itself is fine ($rz, $lz)" [ "$rz:$lz" = 503:200 ]
"$ROOT/scripts/dev-stack" start >/dev/null 2>&1
req POST /photos -H "$H3" -H "Content-Type: image/jpeg" --data-binary "@$D/people_grace_hopper_portrait.jpg"
expect 201 "upload after S3 is back"

echo "the FastCGI socket as fd 0 (spawn-fcgi, systemd socket activation)"
SOCK="$TMP/fd0.sock"
spawn-fcgi -s "$SOCK" -P "$TMP/fd0.pid" -- /usr/bin/env PRIMERKA_CONFIG="$PRIMERKA_CONFIG" \
	PRIMERKA_API_WORKERS=2 "$ROOT/primerka.fcgi" >/dev/null 2>&1
sleep 0.5
out=$(REQUEST_METHOD=GET DOCUMENT_URI=/healthz REMOTE_ADDR=127.0.0.1 cgi-fcgi -bind -connect "$SOCK" 2>/dev/null)
check "primerka.fcgi serves on an inherited socket" grep -q '"status":"ok"' <<<"$out"
check "with its prefork children" [ "$(pgrep -P "$(cat "$TMP/fd0.pid")" | wc -l)" = 2 ]
fpid=$(cat "$TMP/fd0.pid")
k1=$(pgrep -P "$fpid" | sort | tr '\n' ' ')
# SIGHUP in the middle of a stream of requests: none fails.
served=0
for i in $(seq 1 40); do
	[ "$i" = 10 ] && kill -HUP "$fpid"
	REQUEST_METHOD=GET DOCUMENT_URI=/healthz REMOTE_ADDR=127.0.0.1 \
		cgi-fcgi -bind -connect "$SOCK" 2>/dev/null | grep -q '"status":"ok"' && served=$((served + 1))
	sleep 0.05
done
k2=$(pgrep -P "$fpid" | sort | tr '\n' ' ')
check "SIGHUP reloads: every request served across it ($served of 40)" [ "$served" = 40 ]
check "...by new prefork children ($k1-> $k2)" \
	bash -c '[ "$(wc -w <<<"$1")" = 2 ] || exit 1; for p in $2; do grep -qw "$p" <<<"$1" && exit 1; done; exit 0' _ "$k2" "$k1"
victim=${k2%% *}
kill -KILL "$victim"
for _ in $(seq 1 30); do [ "$(pgrep -P "$fpid" | wc -l)" = 2 ] && ! pgrep -P "$fpid" | grep -qx "$victim" && break; sleep 0.1; done
check "a killed API child is replaced" \
	bash -c '[ "$(pgrep -P "$1" | wc -l)" = 2 ] && ! pgrep -P "$1" | grep -qx "$2"' _ "$fpid" "$victim"
kill -TERM "$(cat "$TMP/fd0.pid")"
for _ in $(seq 1 20); do pid_alive "$TMP/fd0.pid" || break; sleep 0.1; done
check "and stops on SIGTERM" fails pid_alive "$TMP/fd0.pid"

echo "make install"
inst="$TMP/install"
if make -C "$ROOT" -s install DESTDIR="$inst" >"$TMP/install.log" 2>&1; then
	nprog=$(find "$inst" -path '*/bin/*' -type f -perm -u+x -name 'primerka*' | wc -l)
	check "make install DESTDIR= installs the four programs ($nprog)" [ "$nprog" = 4 ]
	nman=$(find "$inst" -path '*/share/man/man[158]/*' -type f -name '*primerka*' | wc -l)
	nunit=$(find "$inst" -path '*/systemd/system/primerka-*' -type f | wc -l)
	check "...five man pages, eight systemd units, the example config ($nman, $nunit)" \
		[ "$nman:$nunit:$(find "$inst" -path '*/etc/primerka/primerka.conf.example' | wc -l)" = 5:8:1 ]
	# systemd's own rating of the shipped units' sandboxing (<= 2.5).
	for u in "$ROOT"/systemd/*.service; do
		e=$(systemd-analyze security --offline=yes "$u" 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		check "$(basename "$u"): systemd-analyze security ${e:-?} <= 2.5" \
			bash -c '[ -n "$1" ] && awk -v e="$1" "BEGIN { exit !(e <= 2.5) }"' _ "$e"
	done
	mdir=$(find "$inst" -type d -path '*/share/primerka/db' | head -n 1)
	missing=$(cd "$ROOT/db" && for f in [0-9][0-9][0-9]_*.sql; do [ -f "$mdir/$f" ] || printf '%s ' "$f"; done)
	check "every migration is installed (missing: ${missing:-none})" [ -n "$mdir" -a -z "$missing" ]
	idb="primerka_install_$n"
	iurl=${PRIMERKA_DATABASE_URL/\/primerka\?/\/$idb?}
	$PSQL -c "CREATE DATABASE $idb" >/dev/null
	PRIMERKA_DATABASE_URL="$iurl" PRIMERKA_MIGRATIONS="$mdir" "$ROOT/scripts/migrate" >"$TMP/migrate.log" 2>&1
	napplied=$(psql -qtAX "$iurl" -c "SELECT count(*) FROM schema_migrations" 2>/dev/null)
	check "the installed migrations build a fresh database ($napplied applied)" \
		[ "$napplied" = "$(ls "$ROOT"/db/[0-9][0-9][0-9]_*.sql | wc -l)" ]
	$PSQL -c "DROP DATABASE $idb" >/dev/null
	# Two runners at once (two hosts upgrading): the lock lets one work.
	$PSQL -c "CREATE DATABASE $idb" >/dev/null
	PRIMERKA_DATABASE_URL="$iurl" PRIMERKA_MIGRATIONS="$mdir" "$ROOT/scripts/migrate" >"$TMP/m1.log" 2>&1 &
	m1=$!
	PRIMERKA_DATABASE_URL="$iurl" PRIMERKA_MIGRATIONS="$mdir" "$ROOT/scripts/migrate" >"$TMP/m2.log" 2>&1; r2=$?
	wait $m1; r1=$?
	nlines=$(cat "$TMP/m1.log" "$TMP/m2.log" | grep -c "^==> migration")
	check "two runners at once: both succeed, each file applied once ($r1 $r2, $nlines)" \
		[ "$r1:$r2:$nlines" = "0:0:$(ls "$mdir"/[0-9][0-9][0-9]_*.sql | wc -l)" ]
	check "...each recorded with its sha256" \
		[ "$(psql -qtAX "$iurl" -c "SELECT count(*) FROM schema_migrations WHERE sha256 ~ '^[0-9a-f]{64}$'")" = "$(ls "$mdir"/[0-9][0-9][0-9]_*.sql | wc -l)" ]
	# An applied migration edited afterwards: refused, nothing applied.
	mkdir -p "$TMP/edited"
	cp "$mdir"/*.sql "$TMP/edited/"
	first=$(ls "$TMP/edited"/[0-9][0-9][0-9]_*.sql | head -n 1)
	echo "-- an edit" >> "$first"
	echo "CREATE TABLE never_applied (a int);" > "$TMP/edited/999_after.sql"
	out=$(PRIMERKA_DATABASE_URL="$iurl" PRIMERKA_MIGRATIONS="$TMP/edited" "$ROOT/scripts/migrate" 2>&1); rc=$?
	check "a changed applied migration is refused by name (rc $rc)" \
		bash -c '[ "$1" != 0 ] && grep -q "migration $2 was changed after it was applied" <<<"$3"' _ "$rc" "$(basename "$first" .sql)" "$out"
	check "...and the run applies nothing after it" \
		[ "$(psql -qtAX "$iurl" -c "SELECT count(*) FROM pg_tables WHERE tablename = 'never_applied'")" = 0 ]
	$PSQL -c "DROP DATABASE $idb" >/dev/null
	# Upgrading: the newest migration over the others, with data in place.
	last=$(ls "$mdir"/[0-9][0-9][0-9]_*.sql | tail -n 1)
	mkdir -p "$TMP/older"
	for f in "$mdir"/[0-9][0-9][0-9]_*.sql; do [ "$f" = "$last" ] || cp "$f" "$TMP/older/"; done
	$PSQL -c "CREATE DATABASE $idb" >/dev/null
	PRIMERKA_DATABASE_URL="$iurl" PRIMERKA_MIGRATIONS="$TMP/older" "$ROOT/scripts/migrate" >"$TMP/migrate.log" 2>&1
	psql -qtAX "$iurl" -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL'
INSERT INTO users (id) VALUES (77);
SELECT ledger_credit(77, 'grant', 500, 'before the upgrade');
INSERT INTO purchases (id, user_id, tokens, stars) VALUES (5, 77, 100, 50);
SELECT purchase_paid(5, 77, 50, 'charge-before');
SQL
	PRIMERKA_DATABASE_URL="$iurl" PRIMERKA_MIGRATIONS="$mdir" "$ROOT/scripts/migrate" >>"$TMP/migrate.log" 2>&1
	up=$(psql -qtAX "$iurl" -c "SELECT count(*) FROM schema_migrations" -c "SELECT balance FROM users WHERE id = 77" 2>&1 | tr '\n' ' ')
	check "$(basename "$last") applies over the others with data in place (migrations, balance: $up)" \
		[ "$up" = "$(ls "$mdir"/[0-9][0-9][0-9]_*.sql | wc -l) 600 " ]
	rf=$(psql -qtAX "$iurl" -c "SELECT outcome || ':' || taken FROM purchase_refund(5, false)" 2>&1)
	check "...and a purchase paid before it can be refunded ($rf)" [ "$rf" = refunded:100 ]
	$PSQL -c "DROP DATABASE $idb" >/dev/null
	# The site below runs from what was installed.
	site=$(find "$inst" -type f -path '*/share/primerka/examples/nginx-site.conf' | head -n 1)
	check "make install puts the site in as an example, no live site file" \
		[ -n "$site" -a -z "$(find "$inst" -path '*/sites-available/*')" ]
	# An admin's edited site (and config) survive the next make install.
	live="$inst/etc/nginx/sites-available/primerka"
	mkdir -p "$(dirname "$live")"
	{ cat "$site"; echo "# edited by the admin"; } > "$live"
	cp "$live" "$TMP/live.before"
	iconf="$(dirname "$(find "$inst" -path '*/etc/primerka/primerka.conf.example')")/primerka.conf"
	echo "# edited config" > "$iconf"
	make -C "$ROOT" -s install DESTDIR="$inst" >>"$TMP/install.log" 2>&1
	check "...and a second make install leaves the edited site and config alone" \
		sh -c 'cmp -s "$1" "$2" && [ "$(cat "$3")" = "# edited config" ]' _ \
		"$live" "$TMP/live.before" "$iconf"
	snippets=$(dirname "$(find "$inst" -type f -name primerka-api.conf | head -n 1)")
	webroot=$(find "$inst" -type d -path '*/share/primerka/web' | head -n 1)
	check "the site, its snippets and the Mini App are installed" [ -f "$site" -a -d "$snippets" -a -f "$webroot/index.html" ]
else
	bad "make install DESTDIR= ($(tail -n 3 "$TMP/install.log"))"
fi

echo "least privilege: the API and the worker under their own roles"
dbname=$(psql -qtAX "$PRIMERKA_DATABASE_URL" -c "SELECT current_database()")
API_URL=${PRIMERKA_DATABASE_URL/primerka@/${dbname}_api@}
WRK_URL=${PRIMERKA_DATABASE_URL/primerka@/${dbname}_worker@}
for who in api worker; do
	url=$API_URL; [ "$who" = worker ] && url=$WRK_URL
	out=$(psql -qtAX "$url" -c "UPDATE users SET balance = balance + 1000 WHERE id = $U3" 2>&1)
	check "the $who role cannot set a balance" grep -q "permission denied" <<<"$out"
	out=$(psql -qtAX "$url" -c "INSERT INTO ledger (user_id, kind, amount, balance_after) VALUES ($U3, 'grant', 1000, 1000)" 2>&1)
	check "...nor write the ledger" grep -q "permission denied" <<<"$out"
	out=$(psql -qtAX "$url" -c "SELECT ledger_credit($U3, 'grant', 1000, 'x')" 2>&1)
	check "...nor call ledger_credit()" grep -q "permission denied" <<<"$out"
done
# Writes are exactly db/025_role_writes.sql's rows: the API may not
# record provider charges (the worker's), and a migrate run names no
# table left without rows (which the services could then only read).
out=$(psql -qtAX "$API_URL" -c "INSERT INTO job_credits (provider, ref, credits) VALUES ('x', 'x', 1)" 2>&1)
check "the API role cannot record a provider charge" grep -q "permission denied" <<<"$out"
out=$(psql -qtAX "$WRK_URL" -c "INSERT INTO shops (name) VALUES ('x')" 2>&1)
check "...the worker role cannot make a shop" grep -q "permission denied" <<<"$out"
out=$(PRIMERKA_DATABASE_URL="$PRIMERKA_DATABASE_URL" "$ROOT/scripts/migrate" 2>&1)
check "every table's writes are granted to a role or kept for the owner (migrate: ${out:0:200})" \
	bash -c '! grep -q "has no rows in role_writes" <<<"$1"' _ "$out"
user_with_photo $((470000000 + n))
b0=$($PSQL -c "SELECT balance FROM users WHERE id = $U")
pause_stack_worker
job=$(new_tryon)
PRIMERKA_CONFIG="$PRIMERKA_CONFIG" PRIMERKA_DATABASE_URL="$WRK_URL" "$ROOT/primerka-batch" --once --max-seconds 60 >"$TMP/wrk-role.log" 2>&1 || tail -n 5 "$TMP/wrk-role.log"
resume_stack_worker
st=$($PSQL -c "SELECT status FROM jobs WHERE id = $job")
b1=$($PSQL -c "SELECT balance FROM users WHERE id = $U")
check "the worker as ${dbname}_worker completes a try-on and charges it ($st, $b0 -> $b1)" \
	[ "$st:$((b0 - b1))" = "COMPLETED:$price" ]
SOCK2="$TMP/role.sock"
spawn-fcgi -s "$SOCK2" -P "$TMP/role.pid" -- /usr/bin/env PRIMERKA_CONFIG="$PRIMERKA_CONFIG" \
	PRIMERKA_DATABASE_URL="$API_URL" PRIMERKA_API_WORKERS=1 "$ROOT/primerka.fcgi" >/dev/null 2>&1
sleep 0.5
U5=$((480000000 + n))
out=$(REQUEST_METHOD=GET DOCUMENT_URI=/api/v1/me REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="tma $("$ROOT/scripts/dev-initdata" "$U5")" \
	cgi-fcgi -bind -connect "$SOCK2" 2>/dev/null)
check "the API as ${dbname}_api welcomes a new user with the grant (user_touch as the owner)" \
	grep -q "\"balance\":$($PSQL -c "SELECT coalesce(max(amount), -1) FROM ledger WHERE user_id = $U5")" <<<"$out"
kill -TERM "$(cat "$TMP/role.pid")" 2>/dev/null

echo "primerka-admin's command table"
# Every command the usage lines name has a help line, and the other way
# round; no command, or an unknown one, is the usage and exit 2.
help=$(ADMIN help); rc=$?
usage=$(ADMIN 2>&1); urc=$?
names() { sed -n 's/^\(usage: \| *\)primerka-admin \([a-z-]*\).*/\2/p' | sort; }
help_ok() {
	[ "$rc" = 0 ] && [ -n "$usage" ] &&
	[ "$(names <<<"$help" | grep -vx help)" = "$(names <<<"$usage")" ] &&
	[ "$(grep -c '^        [a-z]' <<<"$help")" = "$(names <<<"$help" | wc -l)" ]
}
is_usage() { [ "$1" = 2 ] && [ "$2" = "$usage" ]; }
check "help lists the commands of the usage, each with its help (rc $rc)" help_ok
check "...no command: the usage on stderr, exit 2 ($urc)" grep -q "^usage: primerka-admin check-config" <<<"$usage"
check "...exit status 2" [ "$urc" = 2 ]
out=$(ADMIN frobnicate 2>&1); rc=$?
check "...an unknown command: the same ($rc)" is_usage "$rc" "$out"
out=$(ADMIN grant 1 2>&1); rc=$?
check "...too few arguments: the same ($rc)" is_usage "$rc" "$out"

echo "check-config"
ADMIN_CC() { PRIMERKA_CONFIG="$1" "$ROOT/primerka-admin" check-config 2>&1; }
out=$(ADMIN_CC "$PRIMERKA_CONFIG"); rc=$?
check "the stack's configuration passes (rc $rc)" [ "$rc:$out" = "0:configuration ok" ]
# Each kind of problem, each reported by the key's name.
{ grep -v -e '^bot_token' -e '^access_key' "$PRIMERKA_CONFIG"
  printf '[s3]\nendpint = http://x\n[limits]\nphoto_min_side = 9999999\n[nonsense]\nkey = 1\n'
  printf '[worker]\nlease = soon\n[log]\nrequests = some\n'
} > "$TMP/bad.conf"
out=$(ADMIN_CC "$TMP/bad.conf"); rc=$?
for want in "s3.endpint: unknown key" "nonsense.key: unknown section" \
    "telegram.bot_token: required" "s3.access_key: required" "photo_min_side" \
    "worker.lease: not an integer" "log.requests: one of all|writes|errors"; do
	check "check-config reports $want (rc $rc)" bash -c '[ "$1" = 1 ] && grep -qF "$2" <<<"$3"' _ "$rc" "$want" "$out"
done
out=$(PRIMERKA_CONFIG="$TMP/bad.conf" "$ROOT/primerka.fcgi" --check-config 2>&1); rc=$?
check "primerka.fcgi --check-config refuses it too (rc $rc)" bash -c '[ "$1" = 1 ] && grep -q "s3.endpint" <<<"$2"' _ "$rc" "$out"
out=$(PRIMERKA_CONFIG="$ROOT/etc/primerka.conf.example" "$ROOT/primerka-batch" --check-config 2>&1); rc=$?
check "primerka-batch --check-config refuses the example's placeholders (rc $rc)" \
	bash -c '[ "$1" = 1 ] && grep -q "telegram.bot_token: still the example" <<<"$2"' _ "$rc" "$out"
# Secrets from files: KEY_file and systemd credentials.
token=$(sed -n 's/^bot_token = //p' "$PRIMERKA_CONFIG")
printf '%s\n' "$token" > "$TMP/token"
mkdir -p "$TMP/creds"
printf 'S3RVER' > "$TMP/creds/primerka_s3.access_key"
{ grep -v -e '^bot_token' -e '^access_key' "$PRIMERKA_CONFIG"
  printf '[telegram]\nbot_token_file = %s\n' "$TMP/token"; } > "$TMP/files.conf"
out=$(CREDENTIALS_DIRECTORY="$TMP/creds" ADMIN_CC "$TMP/files.conf"); rc=$?
check "secrets from a KEY_file and from CREDENTIALS_DIRECTORY pass (rc $rc: $out)" [ "$rc" = 0 ]
id=$(CREDENTIALS_DIRECTORY="$TMP/creds" PRIMERKA_CONFIG="$TMP/files.conf" "$ROOT/primerka-admin" initdata 42)
code=$(curl -sS -o /dev/null -w '%{http_code}' "$API/me" -H "Authorization: tma $id")
check "...and the token from the file signs initData the API accepts ($code)" [ "$code" = 200 ]

echo "backup and a restore drill"
mkdir -p "$TMP/backups"
req GET /me -H "$H3"; me_before=$body
# The catalogue without its presigned URLs (they carry the time).
catalogue() { curl -sS "$API/outfits?limit=50" -H "$H3" | jq -c '[.items[] | {id, title}]'; }
out_before=$(catalogue)
ok_b=1
for _ in 1 2 3; do
	"$ROOT/scripts/backup" --dir "$TMP/backups" --keep 2 --url "$PRIMERKA_DATABASE_URL" >>"$TMP/backup.log" 2>&1 || ok_b=0
done
ndumps=$(ls "$TMP"/backups/primerka-*.dump 2>/dev/null | wc -l)
check "three backups, the newest two kept ($ndumps)" [ "$ok_b:$ndumps" = 1:2 ]
check "...and the time of the last one for the alert" grep -q "^primerka_backup_last_success_timestamp_seconds [0-9]" "$TMP/backups/backup.prom"
dump=$(ls "$TMP"/backups/primerka-*.dump | sort | tail -n 1)
dbname=$(psql -qtAX "$PRIMERKA_DATABASE_URL" -c "SELECT current_database()")
admin_url=${PRIMERKA_DATABASE_URL/\/$dbname\?/\/postgres?}
psql -qtAX "$admin_url" -c "DROP DATABASE $dbname WITH (FORCE)" >/dev/null 2>&1
req GET /me -H "$H3"
check "the database is gone: the API says 503 ($code)" [ "$code" = 503 ]
psql -qtAX "$admin_url" -c "CREATE DATABASE $dbname" >/dev/null
pg_restore --no-owner --exit-on-error -d "$PRIMERKA_DATABASE_URL" "$dump" >"$TMP/restore.log" 2>&1
check "pg_restore of the newest dump" [ $? = 0 ]
for _ in $(seq 1 20); do req GET /me -H "$H3"; [ "$code" = 200 ] && break; sleep 0.5; done
check "the API serves the same user after the restore" [ "$body" = "$me_before" ]
out_after=$(catalogue)
check "...and the same catalogue ($(jq length <<<"$out_before") outfits)" \
	[ "$out_before" != "[]" -a "$out_after" = "$out_before" ]

echo "alert rules"
if command -v promtool >/dev/null; then
	check "docs/alerts.yml passes promtool check rules" promtool check rules "$ROOT/docs/alerts.yml"
else
	bad "promtool is missing (Debian's prometheus package, scripts/deps)"
fi

echo "the production nginx site, as installed"
mkdir -p "$TMP/nginx/snippets" "$TMP/nginx/logs"
cp "${snippets:-$ROOT/nginx/snippets}"/*.conf "$TMP/nginx/snippets/"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=primerka.test \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
sed -e "s|/etc/letsencrypt/live/primerka.example.com/fullchain.pem|$TMP/cert.pem|" \
    -e "s|/etc/letsencrypt/live/primerka.example.com/privkey.pem|$TMP/key.pem|" \
    -e "s|/var/log/nginx/|$TMP/nginx/logs/|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$((PRIMERKA_PORT + 7)) ssl http2;|" \
    -e "s|listen \[::\]:443 ssl http2;||; s|listen 80;|listen 127.0.0.1:$((PRIMERKA_PORT + 8));|; s|listen \[::\]:80;||" \
    -e "s|unix:/run/primerka/api.sock|unix:$RUN/primerka.sock|" \
    -e "s|root /usr/local/share/primerka/web;|root ${webroot:-$ROOT/web};|" \
    "${site:-$ROOT/nginx/primerka.conf}" > "$TMP/nginx/site.conf"
user=""
[ "$(id -u)" = 0 ] && user="user root;"	# to reach the stack's FastCGI socket
cat > "$TMP/nginx/nginx.conf" <<NGX
$user
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	client_body_temp_path $TMP/nginx/body;
	fastcgi_temp_path $TMP/nginx/fcgi;
	proxy_temp_path $TMP/nginx/proxy;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	include $TMP/nginx/site.conf;
}
NGX
sed -i "s|include snippets/|include $TMP/nginx/snippets/|" "$TMP/nginx/site.conf"
check "nginx -t accepts the production site" nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
check "...which sets nothing at http{} level but its own names" \
	fails grep -qE "^(access_log|limit_req_status|include|ssl_|log_format)" "$TMP/nginx/site.conf"
# A second instance on the same host: the same file under another
# instance name must load beside the first (no name is global).
sed -e 's/primerka_main/primerka_two/g; s/primerka-main/primerka-two/g' \
    -e 's/server_name primerka.example.com;/server_name two.example.com;/' \
    "$TMP/nginx/site.conf" > "$TMP/nginx/site2.conf"
sed "s|include $TMP/nginx/site.conf;|&\n\tinclude $TMP/nginx/site2.conf;|" \
    "$TMP/nginx/nginx.conf" > "$TMP/nginx/two.conf"
check "...and a second instance of it loads beside it" \
	nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/two.conf"
if nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>/dev/null; then
	hdrs=$(curl -sSk -D - -o "$TMP/index.html" "https://127.0.0.1:$((PRIMERKA_PORT + 7))/")
	check "HTTPS serves the Mini App with HSTS" grep -qi "^strict-transport-security" <<<"$hdrs"
	check "...the installed one" cmp -s "$TMP/index.html" "$ROOT/web/index.html"
	check "and a CSP" grep -qi "^content-security-policy" <<<"$hdrs"
	check "...without the local stack's origins" fails grep -qi "^content-security-policy.*127\.0\.0\.1" <<<"$hdrs"
	code=$(curl -sSk -o "$TMP/body" -w '%{http_code}' "https://127.0.0.1:$((PRIMERKA_PORT + 7))/api/v1/me" -H "$H3"); body=$(cat "$TMP/body")
	expect 200 "the API through the production site"
	hd=$(curl -sSk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$((PRIMERKA_PORT + 7))/healthz")
	check "/healthz from loopback through it" [ "$hd" = 200 ]
	r80=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PRIMERKA_PORT + 8))/x")
	check "plain HTTP redirects" [ "$r80" = 301 ]
	nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -s stop
else
	bad "the production site starts"
fi

summary
