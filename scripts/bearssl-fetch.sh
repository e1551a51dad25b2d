#!/bin/sh
# Fetches BearSSL's Debian source package into $1 (e.g. build/bearssl/src)
# with apt-get, from the Debian mirror this machine's apt already uses,
# through a private apt configuration (deb-src lines of its own, lists
# and cache under $1/..), so the system's apt setup is left as it is.
# apt checks the files against the signed Sources index; dpkg-source
# unpacks them.  Needs apt and dpkg-dev (scripts/deps.sh).
set -eu
mkdir -p "$(dirname "$1")"
dest=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(dirname "$dest")/apt
[ -f "$dest/inc/bearssl.h" ] && exit 0
rm -rf "$work" "$dest"
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" "$work/dl"

# The Debian archive URIs and suites apt is configured with (deb822 and
# one-line formats), turned into deb-src entries.
uris=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p'
       grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }')
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
: >"$work/parts/src.sources"
for u in $uris; do
	case $u in *security*|*updates*) continue ;; esac
	printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n\n' "$u" "$suite" >>"$work/parts/src.sources"
done
[ -s "$work/parts/src.sources" ] || { echo "bearssl-fetch: no Debian archive in the apt sources" >&2; exit 1; }
: >"$work/empty.list"
opts="-o Dir::Etc::SourceList=$work/empty.list -o Dir::Etc::SourceParts=$work/parts -o Dir::State::Lists=$work/lists \
 -o Dir::Cache=$work/cache -o APT::Sandbox::User=root -q"
# shellcheck disable=SC2086
apt-get $opts update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$work/dl" && apt-get $opts source --download-only bearssl) >"$work/source.log" 2>&1 ||
	{ cat "$work/source.log" >&2; exit 1; }
dpkg-source -x "$work"/dl/bearssl_*.dsc "$dest" >"$work/unpack.log" 2>&1 ||
	{ cat "$work/unpack.log" >&2; exit 1; }
echo "bearssl: $(ls "$work"/dl/*.dsc | xargs -n1 basename) unpacked into $dest"
