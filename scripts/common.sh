# Shared by the scripts: paths of the checkout and of the local stack.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRIMERKA_PORT=${PRIMERKA_PORT:-8080}
PRIMERKA_VAR=${PRIMERKA_VAR:-$ROOT/var}
PRIMERKA_S3_PORT=${PRIMERKA_S3_PORT:-$((PRIMERKA_PORT + 1))}
# The stand-in for Telegram's Bot API (t/telegram_emulator.js).
PRIMERKA_TG_PORT=${PRIMERKA_TG_PORT:-$((PRIMERKA_PORT + 2))}
PRIMERKA_BIN=${PRIMERKA_BIN:-$ROOT}
# PostgreSQL's programs: the newest installed version's, or empty before
# scripts/deps has installed it (never a failure: every script sources
# this file, scripts/deps too).
pg_find_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -d "$d" ] && printf '%s\n' "$d"
	done | sort -V | tail -n 1
	return 0
}
PG_BINDIR=${PG_BINDIR:-$(pg_find_bindir)}
RUN=$PRIMERKA_VAR/run
LOGDIR=$PRIMERKA_VAR/log
# PostgreSQL runs as the postgres user when we are root: if that user
# cannot reach the checkout (a private home or temporary directory), its
# cluster lives in a directory of its own under /var/tmp instead.
# The choice is made once, when the stack is first started, and recorded
# in $PRIMERKA_VAR/pg-base: every later script must find the same socket.
pg_base_choose() {
	local d=$PRIMERKA_VAR
	# The nearest directory that exists already: var/ itself may not yet.
	while [ ! -d "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
	if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 &&
	   ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
		echo "/var/tmp/primerka-pg/$(printf '%s' "$PRIMERKA_VAR" | sha1sum | cut -c1-12)"
	else
		echo "$PRIMERKA_VAR"
	fi
}
pg_paths() {
	if [ -s "$PRIMERKA_VAR/pg-base" ]; then
		PG_BASE=$(cat "$PRIMERKA_VAR/pg-base")
	else
		PG_BASE=$(pg_base_choose)
	fi
	PG_DATA=$PG_BASE/pg
	PG_RUN=$PG_BASE/pgrun
	PG_LOG=$PG_BASE/postgres.log
	[ "$PG_BASE" = "$PRIMERKA_VAR" ] && PG_LOG=$LOGDIR/postgres.log
	DATABASE_URL="postgresql://primerka@/primerka?host=$PG_RUN"
	# The services' least-privilege roles (db/018_roles.sql).
	API_DATABASE_URL="postgresql://primerka_api@/primerka?host=$PG_RUN"
	WORKER_DATABASE_URL="postgresql://primerka_worker@/primerka?host=$PG_RUN"
}
pg_paths
CONF=$PRIMERKA_VAR/primerka.conf
BUCKETS="user-photos outfits locations results videos"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
# A script under set -e never ends silently: the failing command, its
# line and its status go to stderr.
if [[ $- == *e* ]]; then
	set -E
	trap '_status=$?; echo "$(basename "$0"): line $LINENO: \"$BASH_COMMAND\" failed (status $_status)" >&2' ERR
fi
say() { echo "==> $*" >&2; }

# Run a command as the postgres system user when we are root.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Whether the process in pid file $1 runs (a zombie does not count).
pid_alive() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1")
	kill -0 "$pid" 2>/dev/null || return 1
	! grep -q '^[0-9]* (.*) Z' "/proc/$pid/stat" 2>/dev/null
}
