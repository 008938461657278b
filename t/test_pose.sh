#!/usr/bin/env bash
# Pose parity: lib/pose.c (through t/pose_dump) against MediaPipe's own
# wasm solution from the same npm package (t/pose_ref.js, headless
# Chromium) on every person fixture (people_* in the fixtures directory,
# or the committed copies in t/data in a clone without ../shared):
# every landmark the reference sees within 0.01 of the image size, the
# person mask's IoU >= 0.95 (t/pose_compare.js), with lib/nn/'s own
# kernels and with XNNPACK (when the build has it).  Also: the runner
# refuses a corrupt model file cleanly.  The last line reads
# "N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
FIX=
for d in "${PRIMERKA_FIXTURES:-}" "$ROOT/t/data/fixtures" "$ROOT/../shared/fixtures" \
    "$ROOT/t/data"; do
	if [ -n "$d" ] && ls "$d"/people_* >/dev/null 2>&1; then
		FIX=$d
		break
	fi
done
fail() { echo "  FAIL $*"; echo "0 passed, 1 failed"; exit 1; }
[ -n "$FIX" ] || fail "no person fixtures (set PRIMERKA_FIXTURES)"
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM"
[ -x "$ROOT/t/pose_dump" ] || fail "t/pose_dump is not built (scripts/build)"
"$ROOT/scripts/pose-convert" --check >/dev/null || fail "models/ not converted (scripts/pose-convert)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/masks" "$tmp/bad"
passed=0 failed=0

# A truncated and a bit-flipped detector must be refused, not crash.
head -c 100000 "$ROOT/models/pose_detection.tflite" > "$tmp/bad/pose_detection.tflite"
cp "$ROOT/models/pose_landmark_full.tflite" "$tmp/bad/"
if "$ROOT/t/pose_dump" "$tmp/bad" "$FIX"/people_fullbody_outdoor.jpg >/dev/null 2>"$tmp/err"; then
	echo "  FAIL a truncated model was accepted"; failed=$((failed + 1))
elif grep -q "tflite:" "$tmp/err"; then
	echo "  ok   a truncated model is refused: $(head -c 120 "$tmp/err")"; passed=$((passed + 1))
else
	echo "  FAIL a truncated model: $(head -c 200 "$tmp/err")"; failed=$((failed + 1))
fi

files=("$FIX"/people_*)
timeout 600 node "$ROOT/t/pose_ref.js" "${files[@]}" > "$tmp/ref.json" 2>"$tmp/ref.err" ||
	{ tail -n 5 "$tmp/ref.err"; fail "the wasm reference did not run"; }
# Both backends of lib/nn/: the default (XNNPACK when built in) and -o,
# the own kernels.
for kern in default own; do
	opt=
	[ "$kern" = own ] && opt=-o
	rm -f "$tmp"/masks/*
	timeout 300 "$ROOT/t/pose_dump" $opt -m "$tmp/masks" "$ROOT/models" "${files[@]}" > "$tmp/c.jsonl" ||
		fail "t/pose_dump ($kern kernels) failed"
	out=$(node "$ROOT/t/pose_compare.js" "$tmp/ref.json" "$tmp/c.jsonl")
	echo "$out" | sed '$d' | sed "s/^  \(ok  \|FAIL\) /  \1 [$kern kernels] /"
	last=$(echo "$out" | tail -n 1)
	p=${last%% passed*}
	f=${last#*, }
	f=${f%% failed*}
	passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
