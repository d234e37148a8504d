#!/usr/bin/env bash
# The Debian package, as an administrator meets it: built from a copy of this
# tree (dpkg-buildpackage -us -uc -b), lintian-clean (no error, no warning),
# then installed, installed over, removed and purged in a throwaway Debian 12
# root. systemd is not running there: stand-ins for systemctl and
# deb-systemd-invoke record what the maintainer scripts ask of it.
#
# Cached under $CODEX_PROXY_TEST_CACHE (/var/cache/codex-proxy-tests/package):
# the debootstrapped root, as a tarball, and the packages built from a given
# tree content, so reruns take seconds. Needs root, and Debian's mirror
# (through apt's configuration) the first time.
set -euo pipefail

name=debian_package
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
step() { echo "$name: $*"; }
. "$(dirname "$0")/package_lib.sh"

[ "$(id -u)" -eq 0 ] || fail "needs root (a chroot, dpkg -i in it); run the tests as root, as CI does"
for tool in dpkg-buildpackage dpkg-checkbuilddeps lintian debootstrap chroot mount; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing: install dpkg-dev, lintian and debootstrap (scripts/install-deps.sh does)"
done

work=$(mktemp -d /var/tmp/codex-proxy-package.XXXXXX)
chroot_dir=$work/root
cleanup() {
  for m in "$chroot_dir/proc" "$chroot_dir/dev"; do
    mountpoint -q "$m" 2>/dev/null && umount "$m"
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# --- build, once per tree content ------------------------------------------
package_build

# --- lintian -----------------------------------------------------------------
step "lintian"
lint_status=0
lint=$(lintian --fail-on error,warning --tag-display-limit 0 "$debs"/*.changes 2>&1) || lint_status=$?
lint=$(grep -v 'running with root privileges is not recommended' <<<"$lint" || true)
[ -z "$lint" ] || echo "$lint"
[ "$lint_status" -eq 0 ] || fail "lintian reports an error or a warning (above), or failed (status $lint_status)"

# --- a throwaway Debian 12 root --------------------------------------------
base_root
mkdir "$chroot_dir"
tar -C "$chroot_dir" -xf "$base"
mount -t proc proc "$chroot_dir/proc"
mount --bind /dev "$chroot_dir/dev"

# systemd "runs" (the directory maintainer scripts test for) but only as
# stand-ins that log each request and start nothing. Offline work on the
# root (systemctl --root=/ preset, which enables the unit) is real.
mkdir -p "$chroot_dir/run/systemd/system" "$chroot_dir/usr/local/sbin"
for tool in systemctl deb-systemd-invoke; do
  printf '#!/bin/sh\ncase " $* " in *" --root="*) exec /usr/bin/%s "$@" ;; esac\necho "%s $*" >> /var/log/service-requests\n' \
    "$tool" "$tool" > "$chroot_dir/usr/local/sbin/$tool"
  chmod 0755 "$chroot_dir/usr/local/sbin/$tool"
done
cp "$deb" "$chroot_dir/tmp/"
in_root() { chroot "$chroot_dir" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
requests() { cat "$chroot_dir/var/log/service-requests" 2>/dev/null; : > "$chroot_dir/var/log/service-requests"; }
mode_of() { in_root stat -c '%a %U:%G' "$1"; }
expect_mode() { local got; got=$(mode_of "$1") || fail "$1 is missing"; [ "$got" = "$2" ] || fail "$1 is $got, not $2"; }

# --- install -----------------------------------------------------------------
step "installing $version"
in_root dpkg -i "/tmp/$(basename "$deb")" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
in_root getent passwd codex-proxy > "$work/passwd" || fail "the user codex-proxy was not created"
IFS=: read -r _ _ uid _ _ home shell < "$work/passwd"
[ "$uid" -lt 1000 ] || fail "codex-proxy is not a system user (uid $uid)"
[ "$home" = /var/lib/codex-proxy ] || fail "codex-proxy's home is $home"
case "$shell" in */nologin|/bin/false) ;; *) fail "codex-proxy has a login shell: $shell" ;; esac
in_root getent group codex-proxy >/dev/null || fail "the group codex-proxy was not created"
expect_mode /etc/default/codex-proxy "640 root:codex-proxy"
in_root dpkg-query -W -f='${Conffiles}\n' codex-proxy | grep -q ' /etc/default/codex-proxy ' ||
  fail "/etc/default/codex-proxy is not a conffile"
expect_mode /etc/codex-proxy/api-keys "600 root:root"
[ "$(grep -cv '^#' "$chroot_dir/etc/codex-proxy/api-keys")" -eq 1 ] || fail "api-keys does not hold exactly one key"
expect_mode /var/lib/codex-proxy "700 codex-proxy:codex-proxy"
expect_mode /var/lib/codex-proxy/login "700 codex-proxy:codex-proxy"
for f in /usr/bin/codex-proxyd /usr/libexec/codex-proxy/codex-proxy-executor; do
  [ -x "$chroot_dir$f" ] || fail "$f is not installed"
done
[ -f "$chroot_dir/usr/share/man/man8/codex-proxyd.8.gz" ] || fail "the man page codex-proxyd(8) is not installed"
[ -L "$chroot_dir/etc/systemd/system/multi-user.target.wants/codex-proxy.service" ] ||
  fail "codex-proxy.service was not enabled"
got=$(in_root codex-proxyd --version) || fail "codex-proxyd --version failed in the installed root"
[ "$got" = "codex-proxyd ${version%%-*}" ] || fail "codex-proxyd --version says '$got', the package is $version"
verify=$(in_root systemd-analyze verify --man=no codex-proxy.service 2>&1) || fail "systemd-analyze verify: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify of the installed unit is not clean: $verify"
requests | grep -qx 'deb-systemd-invoke start codex-proxy.service' || fail "the install did not start the service"

# --- install over it: state, settings and keys are kept, the service restarts
step "installing $version over itself"
in_root install -d -o codex-proxy -g codex-proxy -m 0700 /var/lib/codex-proxy/codex-home
echo kept > "$chroot_dir/var/lib/codex-proxy/codex-home/marker"
echo '{"marker":"login"}' > "$chroot_dir/var/lib/codex-proxy/login/auth.json"
echo 'PORT=4018' >> "$chroot_dir/etc/default/codex-proxy"
keys_before=$(sha256sum < "$chroot_dir/etc/codex-proxy/api-keys")
in_root dpkg -i "/tmp/$(basename "$deb")" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i over the installed package failed"; }
[ -f "$chroot_dir/var/lib/codex-proxy/codex-home/marker" ] || fail "the upgrade lost /var/lib/codex-proxy's state"
[ -f "$chroot_dir/var/lib/codex-proxy/login/auth.json" ] || fail "the upgrade lost the Codex login"
grep -qx 'PORT=4018' "$chroot_dir/etc/default/codex-proxy" || fail "the upgrade lost a setting"
[ "$(sha256sum < "$chroot_dir/etc/codex-proxy/api-keys")" = "$keys_before" ] || fail "the upgrade changed the API keys"
expect_mode /etc/default/codex-proxy "640 root:codex-proxy"
r=$(requests)
grep -qx 'deb-systemd-invoke restart codex-proxy.service' <<<"$r" || fail "the upgrade did not restart the service: $r"
! grep -q 'deb-systemd-invoke stop' <<<"$r" || fail "the upgrade stopped the service before unpacking: $r"

# --- remove: settings and state stay -----------------------------------------
step "removing"
in_root dpkg -r codex-proxy > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -r failed"; }
requests | grep -qx 'deb-systemd-invoke stop codex-proxy.service' || fail "remove did not stop the service"
[ ! -e "$chroot_dir/usr/bin/codex-proxyd" ] || fail "remove left /usr/bin/codex-proxyd"
grep -qx 'PORT=4018' "$chroot_dir/etc/default/codex-proxy" || fail "remove lost /etc/default/codex-proxy"
expect_mode /etc/default/codex-proxy "640 root:codex-proxy"
[ -f "$chroot_dir/etc/codex-proxy/api-keys" ] || fail "remove lost the API keys"
[ -f "$chroot_dir/var/lib/codex-proxy/codex-home/marker" ] || fail "remove lost /var/lib/codex-proxy"
[ -f "$chroot_dir/var/lib/codex-proxy/login/auth.json" ] || fail "remove lost the Codex login"

# --- purge: nothing of it is left but the user --------------------------------
step "purging"
in_root dpkg -P codex-proxy > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -P failed"; }
for p in /var/lib/codex-proxy /etc/default/codex-proxy /etc/codex-proxy \
         /etc/systemd/system/multi-user.target.wants/codex-proxy.service; do
  [ ! -e "$chroot_dir$p" ] && [ ! -L "$chroot_dir$p" ] || fail "purge left $p"
done
[ -z "$(in_root dpkg-statoverride --list /etc/default/codex-proxy)" ] || fail "purge left a stat override"
step "ok: built, lintian-clean, installed, installed over, removed and purged"
