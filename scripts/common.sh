# Shared by the scripts: paths of the checkout and of the local stack.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRIMERKA_PORT=${PRIMERKA_PORT:-8080}
PRIMERKA_VAR=${PRIMERKA_VAR:-$ROOT/var}
PRIMERKA_S3_PORT=${PRIMERKA_S3_PORT:-$((PRIMERKA_PORT + 1))}
PRIMERKA_BIN=${PRIMERKA_BIN:-$ROOT}
PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DATA=$PRIMERKA_VAR/pg
PG_RUN=$PRIMERKA_VAR/pgrun
RUN=$PRIMERKA_VAR/run
LOGDIR=$PRIMERKA_VAR/log
CONF=$PRIMERKA_VAR/primerka.conf
BUCKETS="user-photos outfits locations results videos"
DATABASE_URL="postgresql://primerka@/primerka?host=$PG_RUN"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

# Run a command as the postgres system user when we are root.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
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
