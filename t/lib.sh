# Shared by the shell integration tests: the stack's endpoints, a request
# helper and counters.  Sourced by t/test_*.sh, which run against the
# stack that scripts/test started (PRIMERKA_VAR / PRIMERKA_PORT).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$("$ROOT/scripts/dev-stack" env)"
. "$ROOT/scripts/common.sh"	# PG_LOG, RUN, LOGDIR of the stack
API=${PRIMERKA_URL%/}/api/v1
D="$ROOT/t/data"
PSQL="psql -qtAX $PRIMERKA_DATABASE_URL"
TMP=$(mktemp -d)
STACK_WORKER=""
# Leaving: the stack's worker runs again, the scratch directory goes.
trap 'resume_stack_worker; rm -rf "$TMP"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# req METHOD PATH [curl args...]: sets $code and $body.
req() {
	local m=$1 p=$2; shift 2
	code=$(curl -sS -o "$TMP/body" -w '%{http_code}' -X "$m" "$API$p" "$@")
	body=$(cat "$TMP/body")
}
jget() { jq -r "$1" <<<"$body"; }
is_json_error() { jq -e '.error.code and .error.message' <<<"$body" >/dev/null; }
# expect CODE WHAT: the last request answered CODE with the error shape
# when CODE is an error.
expect() {
	local want=$1; shift
	if [ "$code" = "$want" ] && { [ "$want" -lt 400 ] || is_json_error; }; then
		ok "$* -> $want"
	else
		bad "$* -> $want (got $code: ${body:0:200})"
	fi
}
auth() { echo "Authorization: tma $("$ROOT/scripts/dev-initdata" "$@")"; }
JSON="Content-Type: application/json"

# Wait for a job to finish; prints its final status.
wait_job() {
	local kind=$1 id=$2 h=$3 st=""
	for _ in $(seq 1 240); do
		req GET "/$kind/$id" -H "$h"
		st=$(jget .status)
		{ [ "$st" = COMPLETED ] || [ "$st" = FAILED ]; } && break
		sleep 0.25
	done
	echo "$st"
}

# Pause (SIGSTOP) the stack's own --follow worker and its children, so
# that jobs stay where a test puts them or a test's own worker runs
# alone; resumed on exit, or earlier by resume_stack_worker.
# A worker is stopped only between transactions: one stopped inside one
# (checking a photo just uploaded, say) would hold its row locks and
# block the API for as long as the pause lasts.
pause_stack_worker() {
	local w
	w=$(cat "$PRIMERKA_VAR/run/worker.pid")
	for _ in $(seq 1 100); do
		STACK_WORKER="$w $(pgrep -P "$w" | tr '\n' ' ')"
		kill -STOP $STACK_WORKER
		[ "$(db "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")" = 0 ] && return 0
		kill -CONT $STACK_WORKER
		sleep 0.05
	done
	echo "pause_stack_worker: the worker stayed inside a transaction" >&2
	return 1
}
resume_stack_worker() {
	[ -z "$STACK_WORKER" ] || kill -CONT $STACK_WORKER 2>/dev/null
	STACK_WORKER=""
}

db() { $PSQL -c "$1"; }

# A user (id $1) with tokens, one uploaded photo and the first outfit of
# the catalogue: sets U, H, photo, outfit and the prices price (try-on)
# and aprice (animation).  new_tryon creates a try-on of them.
user_with_photo() {
	U=$1
	"$ROOT/scripts/demo-data" "$U" 1000
	H=$(auth "$U")
	req POST /photos -H "$H" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
	photo=$(jget .id)
	req GET /outfits -H "$H"
	outfit=$(jget '.items[0].id')
	req GET /me -H "$H"
	price=$(jget .prices.tryon)
	aprice=$(jget .prices.animation)
}
new_tryon() {
	req POST /tryons -H "$H" -H "$JSON" --data "{\"user_photo_id\":$photo,\"outfit_id\":$outfit}"
	jget .id
}

# metrics_until ERE [SECONDS]: scrape /metrics into $m until a line
# matches ERE (the table gauges are computed once per [metrics]
# cache_ttl, 2 s on the stack), for up to SECONDS (default 8).
metrics_until() {
	local i
	for i in $(seq 1 $((${2:-8} * 4))); do
		m=$(curl -sS "${PRIMERKA_URL%/}/metrics")
		grep -qE "$1" <<<"$m" && return 0
		sleep 0.25
	done
	return 1
}
# The counter of table gauge runs in the scrape $1.
gauge_runs() { sed -n 's/^primerka_metrics_gauge_refreshes_total //p' <<<"$1"; }

summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}
