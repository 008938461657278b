#!/usr/bin/env bash
# The release tarball: `make distcheck` (the tarball builds in a VPATH
# tree, its whole unit suite passes with the tree's node_modules, install
# and uninstall leave nothing behind), and the tarball holds every file
# under version control and the model files.  Time: about 2.5 minutes on
# two cores (a build and the unit suite).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

cd "$ROOT"
if make -s -j2 distcheck >"$TMP/distcheck.log" 2>&1; then
	ok "make distcheck"
else
	bad "make distcheck: $(grep -E '^(FAIL|ERROR)|Error|error:' "$TMP/distcheck.log" | head -n 5)"
	tail -n 20 "$TMP/distcheck.log"
fi
check "distcheck ran the unit suite in the tarball's build" \
	grep -q '^# FAIL: *0$' "$TMP/distcheck.log"
ver=$(sed -n 's/^AC_INIT(\[primerka\], *\[\([^]]*\)\].*/\1/p' configure.ac)
tarball="$ROOT/primerka-$ver.tar.gz"
if [ -s "$tarball" ]; then
	tar -tzf "$tarball" | sed "s|^primerka-$ver/||" | grep -v '/$' |
	    sort >"$TMP/tar"
	# Everything under version control but git's own files.
	if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$ROOT" ls-files | grep -vE '(^|/)\.git(ignore|keep)$' |
		    sort >"$TMP/git"
		missing=$(comm -23 "$TMP/git" "$TMP/tar")
		check "every file under version control is in the tarball${missing:+ (missing: $(echo $missing | head -c 300))}" \
			[ -z "$missing" ]
	fi
	for m in nsfw_mobilenet_v2.bin pose_detection.tflite pose_landmark_full.tflite; do
		check "the tarball carries models/$m" grep -qx "models/$m" "$TMP/tar"
	done
	junk=$(grep -E '\.(o|a|log|trs)$|(^|/)\.deps/|\.dirstamp$|^debian/(primerka|\.debhelper|tmp)/' "$TMP/tar")
	check "no build output in the tarball${junk:+ ($(echo $junk | head -c 300))}" [ -z "$junk" ]
else
	bad "no tarball $tarball"
fi
echo "distcheck: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
