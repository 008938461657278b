#!/usr/bin/env bash
# End-to-end browser tests of the Mini App (web/): Debian's chromium
# driven by playwright-core (t/e2e_browser.js) against the running dev
# stack (scripts/test starts it; PRIMERKA_VAR / PRIMERKA_PORT point at
# it).  A fresh Telegram user per run, with demo tokens.  Screenshots go
# to t/out/.  The last line reads "N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$ROOT/scripts/dev-stack" env)"
export PRIMERKA_URL
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

if [ ! -x "$CHROMIUM" ]; then
	echo "  FAIL chromium not found at $CHROMIUM (apt-get install chromium chromium-driver)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! curl -fsS -o /dev/null "$PRIMERKA_URL"; then
	echo "  FAIL the dev stack does not answer at $PRIMERKA_URL (scripts/dev-stack start)"
	echo "0 passed, 1 failed"
	exit 1
fi

# A new user each run, so earlier runs' photos and jobs do not interfere.
U=${E2E_USER:-$((500000000 + $(date +%s) % 100000000))}
"$ROOT/scripts/demo-data" "$U" 500 >/dev/null
E2E_INITDATA_RU=$("$ROOT/scripts/dev-initdata" "$U" --lang ru)
E2E_INITDATA_EN=$("$ROOT/scripts/dev-initdata" "$U" --lang en)
export E2E_INITDATA_RU E2E_INITDATA_EN
# The bot's webhook secret: the test plays Telegram reporting a payment.
export E2E_USER_ID=$U E2E_TG_SECRET=$PRIMERKA_TG_WEBHOOK_SECRET
export E2E_OUT=${E2E_OUT:-$ROOT/t/out}
export E2E_DATA=$ROOT/t/data
mkdir -p "$E2E_OUT"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
node "$ROOT/t/e2e_browser.js" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if ! tail -n 1 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
	echo "0 passed, 1 failed"
	exit 1
fi
exit "$rc"
