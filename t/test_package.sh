#!/usr/bin/env bash
# The Debian package: built from the release tarball (make dist, then
# dpkg-buildpackage -us -uc -b), checked by lintian, installed into a
# fresh Debian 12 root (scripts/fresh-root: debootstrap minbase, cached
# under var/fresh/) with apt, then upgraded over an edited configuration
# and purged.  Needs root (chroot).  Time: the build (about a minute on
# two cores), apt-get update and the dependencies in the root (kept in
# var/pkg/apt-archives/, so downloaded once), a few seconds per step;
# the first run also bootstraps the root (a few minutes, then cached).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
fails() { ! "$@" >/dev/null 2>&1; }
PKG="$ROOT/var/pkg"
R="$PKG/root"
in_root() { "$ROOT/scripts/fresh-root" run "$R" "$@"; }
cleanup_root() { "$ROOT/scripts/fresh-root" remove "$R" >/dev/null 2>&1 || true; }
trap 'cleanup_root; rm -rf "$TMP"' EXIT

echo "the package, from the release tarball"
rm -rf "$PKG/src" && mkdir -p "$PKG/src"
if ! make -C "$ROOT" -s dist >"$TMP/dist.log" 2>&1; then
	bad "make dist ($(tail -n 3 "$TMP/dist.log"))"
	summary; exit 1
fi
tarball=$(ls -t "$ROOT"/primerka-*.tar.gz | head -n 1)
tar -xzf "$tarball" -C "$PKG/src"
check "the tarball carries the model weights" \
	test -s "$PKG/src/$(basename "$tarball" .tar.gz)/models/nsfw_mobilenet_v2.bin"
if (cd "$PKG/src/$(basename "$tarball" .tar.gz)" &&
    DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -us -uc -b) >"$PKG/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	bad "dpkg-buildpackage -us -uc -b ($(tail -n 5 "$PKG/build.log"))"
	summary; exit 1
fi
deb=$(ls "$PKG"/src/primerka_*_"$(dpkg --print-architecture)".deb | head -n 1)
lint=$(lintian --tag-display-limit 0 "$PKG"/src/primerka_*.changes 2>&1)
check "lintian reports no errors ($(grep -c '^E:' <<<"$lint") E:, $(grep -c '^W:' <<<"$lint") W:)" \
	fails grep -q '^E:' <<<"$lint"
grep '^[EW]:' <<<"$lint" | head -n 10
flags=$(readelf -d "$PKG"/src/primerka-*/debian/primerka/usr/bin/primerka.fcgi 2>/dev/null)
check "the binaries are built with BIND_NOW and PIE (dpkg-buildflags)" \
	bash -c 'grep -q "BIND_NOW" <<<"$1" && grep -q "PIE" <<<"$1"' _ "$flags"

echo "installed into a fresh Debian 12 root"
cleanup_root
if ! "$ROOT/scripts/fresh-root" make "$R" >"$TMP/root.log" 2>&1; then
	bad "a fresh root ($(tail -n 3 "$TMP/root.log"))"
	summary; exit 1
fi
# The dependencies come from the archive once; later runs reuse them.
mkdir -p "$PKG/apt-archives"
cp "$PKG"/apt-archives/*.deb "$R/var/cache/apt/archives/" 2>/dev/null
cp "$deb" "$R/tmp/primerka.deb"
in_root apt-get update -q >"$TMP/apt.log" 2>&1
out=$(in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends /tmp/primerka.deb 2>&1)
cp -n "$R"/var/cache/apt/archives/*.deb "$PKG/apt-archives/" 2>/dev/null
check "apt-get install ./primerka.deb installs it with its dependencies" \
	[ "$(in_root dpkg-query -W -f='${Status}' primerka 2>/dev/null)" = "install ok installed" ]
check "postinst tells the admin what to do next" grep -q "check-config" <<<"$out"
check "the four programs" \
	[ "$(ls "$R"/usr/bin/primerka* 2>/dev/null | wc -l)" = 4 ]
check "the man pages" \
	[ "$(ls "$R"/usr/share/man/man*/primerka* 2>/dev/null | wc -l)" = 5 ]
check "the units" [ "$(ls "$R"/lib/systemd/system/primerka-* | wc -l)" = 8 ]
check "the units run the installed programs" \
	grep -q "^ExecStart=/usr/bin/primerka.fcgi" "$R/lib/systemd/system/primerka-api.service"
check "the nginx site and snippets" \
	test -f "$R/etc/nginx/sites-available/primerka" -a -f "$R/etc/nginx/snippets/primerka-api.conf"
check "the site serves the installed Mini App" \
	grep -q "root /usr/share/primerka/web;" "$R/etc/nginx/sites-available/primerka"
check "the Mini App, the migrations, the model" \
	test -f "$R/usr/share/primerka/web/index.html" -a -f "$R/usr/share/primerka/db/001_init.sql" \
	-a -s "$R/usr/share/primerka/nsfw_mobilenet_v2.bin"
check "the pose models" test -s "$R/usr/share/primerka/pose_detection.tflite" \
	-a -s "$R/usr/share/primerka/pose_landmark_full.tflite"
# Every model file shipped has its own stanza in the package's copyright
# file (the models' licences are not the code's).
uncovered=""
for m in "$R"/usr/share/primerka/*.bin "$R"/usr/share/primerka/*.tflite; do
	[ -e "$m" ] || continue
	grep -qE "^Files:.* models/$(basename "$m")( |$)" "$R/usr/share/doc/primerka/copyright" ||
		uncovered="$uncovered $(basename "$m")"
done
check "the copyright file has a stanza for every model file${uncovered:+ (not:$uncovered)}" \
	[ -z "$uncovered" ]
check "...with their licences, Expat for the NSFW weights and Apache-2.0 for the pose models" \
	bash -c 'awk "/^Files: models\/nsfw/ { f = 1 } f && /^License:/ { print; exit }" "$1" | grep -q Expat &&
	    awk "/^Files: models\/pose/ { f = 1 } f && /^License:/ { print; exit }" "$1" | grep -q Apache-2.0' \
	    _ "$R/usr/share/doc/primerka/copyright"
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' primerka)
check "the config and the nginx site are conffiles" \
	bash -c 'grep -q " /etc/primerka/primerka.conf " <<<"$1" && grep -q " /etc/nginx/sites-available/primerka " <<<"$1"' _ "$conffiles"
check "a system user primerka without a shell" \
	bash -c 'u=$(chroot "$1" getent passwd primerka) && [ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] && [ "${u##*:}" = /usr/sbin/nologin ]' _ "$R"
check "the config is root:primerka 0640" \
	[ "$(in_root stat -c '%U:%G %a' /etc/primerka/primerka.conf)" = "root:primerka 640" ]
check "/var/lib/primerka belongs to primerka" \
	[ "$(in_root stat -c '%U %a' /var/lib/primerka)" = "primerka 750" ]
check "nothing is enabled before it is configured" \
	[ -z "$(find "$R/etc/systemd/system" -name 'primerka*' 2>/dev/null)" ]

echo "the installed primerka-admin check-config"
out=$(in_root primerka-admin check-config 2>&1); rc=$?
check "runs, and refuses the unconfigured example (exit $rc)" [ "$rc" != 0 -a "$rc" -lt 126 ]
check "...naming the key at fault ($(head -n 1 <<<"$out"))" grep -q "telegram\.bot_token" <<<"$out"

echo "an upgrade over an edited configuration"
echo "# edited by the admin" >> "$R/etc/primerka/primerka.conf"
echo "# edited by the admin" >> "$R/etc/nginx/sites-available/primerka"
cp "$R/etc/primerka/primerka.conf" "$TMP/conf.edited"
cp "$R/etc/nginx/sites-available/primerka" "$TMP/site.edited"
# The next version: the same package with a changed shipped config and
# a changed snippet (one the admin did not edit).
rm -rf "$TMP/next" && dpkg-deb -R "$deb" "$TMP/next"
sed -i 's/^Version: \(.*\)/Version: \1+next1/' "$TMP/next/DEBIAN/control"
echo "# a line the next version adds" >> "$TMP/next/etc/primerka/primerka.conf"
echo "# a line the next version adds" >> "$TMP/next/etc/nginx/sites-available/primerka"
echo "# a line the next version adds" >> "$TMP/next/etc/nginx/snippets/primerka-hsts.conf"
dpkg-deb --root-owner-group -b "$TMP/next" "$R/tmp/primerka-next.deb" >/dev/null
out=$(in_root dpkg --force-confdef --force-confold -i /tmp/primerka-next.deb 2>&1)
check "dpkg -i upgrades it" grep -q "+next1" <<<"$(in_root dpkg-query -W -f='${Version}' primerka)"
check "the edited config is kept" cmp -s "$TMP/conf.edited" "$R/etc/primerka/primerka.conf"
check "...the new one beside it as .dpkg-dist" \
	grep -q "the next version adds" "$R/etc/primerka/primerka.conf.dpkg-dist"
check "the edited nginx site is kept" cmp -s "$TMP/site.edited" "$R/etc/nginx/sites-available/primerka"
check "an unedited snippet is updated" grep -q "the next version adds" "$R/etc/nginx/snippets/primerka-hsts.conf"
check "the config is still root:primerka 0640" \
	[ "$(in_root stat -c '%U:%G %a' /etc/primerka/primerka.conf)" = "root:primerka 640" ]
check "postinst names the upgrade order" grep -q "migrate" <<<"$out"

echo "purge"
in_root dpkg --purge primerka >"$TMP/purge.log" 2>&1
check "dpkg --purge removes the package" fails in_root dpkg-query -W -f='${Status}' primerka
check "...the programs, /etc/primerka and /var/lib/primerka" \
	[ ! -e "$R/usr/bin/primerka.fcgi" -a ! -e "$R/etc/primerka" -a ! -e "$R/var/lib/primerka" ]
check "...the nginx site" [ ! -e "$R/etc/nginx/sites-available/primerka" ]
check "...and the system user" fails in_root getent passwd primerka

summary
