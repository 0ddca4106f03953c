#!/bin/sh
# Put dist/MiningPlanner.app in a compressed .dmg with an /Applications link (macOS only).
#   packaging/macos/make-dmg.sh VERSION ARCH   ->  dist/MiningPlanner-VERSION-macos-ARCH.dmg
# hdiutil fails now and then with "Resource busy" on CI machines (a scanner holding the fresh
# image): that error is retried, HDIUTIL_TRIES times (5) with a growing pause of
# HDIUTIL_DELAY seconds (5, 10, ...); any other error fails at once.
set -eu
VERSION="$1"
ARCH="$2"
APP="dist/MiningPlanner.app"
OUT="dist/MiningPlanner-${VERSION}-macos-${ARCH}.dmg"
TRIES="${HDIUTIL_TRIES:-5}"
DELAY="${HDIUTIL_DELAY:-5}"
[ -d "$APP" ] || { echo "make-dmg: $APP not found (run scripts/build_bundle.py first)" >&2; exit 1; }
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$OUT"
try=1
while :; do
  if output=$(hdiutil create -volname "Mining Planner" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$OUT" 2>&1); then
    printf '%s\n' "$output"
    break
  fi
  printf '%s\n' "$output" >&2
  case "$output" in
    *"Resource busy"*) ;;
    *) echo "make-dmg: hdiutil failed" >&2; exit 1 ;;
  esac
  if [ "$try" -ge "$TRIES" ]; then
    echo "make-dmg: hdiutil still busy after $try tries" >&2
    exit 1
  fi
  pause=$((DELAY * try))
  echo "make-dmg: hdiutil: resource busy (try $try of $TRIES), again in $pause s" >&2
  sleep "$pause"
  rm -f "$OUT"
  try=$((try + 1))
done
echo "make-dmg: wrote $OUT"
