#!/bin/sh
# Put dist/MiningPlanner.app in a compressed .dmg with an /Applications link (macOS only).
#   packaging/macos/make-dmg.sh VERSION ARCH   ->  dist/MiningPlanner-VERSION-macos-ARCH.dmg
set -eu
VERSION="$1"
ARCH="$2"
APP="dist/MiningPlanner.app"
OUT="dist/MiningPlanner-${VERSION}-macos-${ARCH}.dmg"
[ -d "$APP" ] || { echo "make-dmg: $APP not found (run scripts/build_bundle.py first)" >&2; exit 1; }
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$OUT"
hdiutil create -volname "Mining Planner" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$OUT"
echo "make-dmg: wrote $OUT"
