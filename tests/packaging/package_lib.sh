# Shared by the packaging tests: the package built once per tree content, and
# a debootstrapped Debian 12 root, both cached under $CODEX_PROXY_TEST_CACHE
# (/var/cache/codex-proxy-tests/package). The caller defines fail, step and
# $work (a scratch directory it removes).

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${CODEX_PROXY_TEST_CACHE:-/var/cache/codex-proxy-tests}/package
mirror=${CODEX_PROXY_TEST_MIRROR:-http://deb.debian.org/debian}
# The package's run-time dependencies are in the cached root, so that dpkg -i
# needs no network; systemd for systemd-analyze verify of the installed unit.
# (procps: /bin/kill, which the unit's ExecReload= runs.)
root_packages=adduser,procps,systemd,libuv1,libcjson1,libsodium23,libhttp-parser2.9


# Sets deb, debs (the folder with the .changes) and version. Concurrent
# callers build once: the second waits for the first.
package_build() {
  local key
  mkdir -p "$work/src" "$cache"
  exec {build_lock}> "$cache/build.lock"
  flock "$build_lock"
  if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
       xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh |
       tar --null -T - -cf - | tar -C "$work/src" -xf -)
  else
    tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./tests/e2e/node_modules \
        --exclude=./.codex-cli --exclude='./obj-*' -cf - . | tar -C "$work/src" -xf -
  fi
  # The packaging tests are not in the package: editing them needs no rebuild.
  key=$(cd "$work/src" && find . -path ./tests/packaging -prune -o \( -type f -o -type l \) -print | LC_ALL=C sort |
          tar --no-recursion --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -T - -cf - |
          sha256sum | cut -c1-16)
  debs=$cache/debs/$key
  if [ ! -f "$debs/complete" ]; then
    (cd "$work/src" && dpkg-checkbuilddeps) 2>&1 ||
      fail "build dependencies are missing: run 'apt-get build-dep ./' in the source tree"
    step "building the package (tree $key)"
    rm -rf "$debs" && mkdir -p "$debs"
    # The unit tests run in their own CTest tests; the build need not repeat them.
    if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" nice dpkg-buildpackage -us -uc -b) \
         > "$work/build.log" 2>&1; then
      tail -n 40 "$work/build.log" >&2
      fail "dpkg-buildpackage -us -uc -b failed (its log's end is above)"
    fi
    cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$debs/"
    touch "$debs/complete"
    # Keep the last few builds only.
    ls -1dt "$cache"/debs/*/ | tail -n +4 | xargs -r rm -rf
  else
    step "reusing the package built from this tree content ($key)"
  fi
  deb=$(ls "$debs"/codex-proxy_*_*.deb)
  version=$(dpkg-deb -f "$deb" Version)
  exec {build_lock}>&-
}

# Sets base: a tarball of a minimal Debian 12 root with $root_packages.
base_root() {
  exec {root_lock}> "$cache/root.lock"
  flock "$root_lock"
  base=$cache/bookworm-$(echo "$root_packages" | sha256sum | cut -c1-8).tar
  if [ ! -f "$base" ]; then
    step "debootstrapping Debian 12 into the cache (once)"
    rm -rf "$cache/staging"
    debootstrap --variant=minbase --include="$root_packages" bookworm "$cache/staging" "$mirror" \
      > "$cache/debootstrap.log" 2>&1 || { tail -n 20 "$cache/debootstrap.log" >&2; fail "debootstrap failed"; }
    tar -C "$cache/staging" -cf "$base.tmp" . && mv "$base.tmp" "$base"
    rm -rf "$cache/staging"
  fi
  exec {root_lock}>&-
}
