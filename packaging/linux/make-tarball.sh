#!/bin/sh
# Pack dist/MiningPlanner with its desktop entry, the .mplan MIME type, the icon and
# install.sh (which registers them for the user, Exec pointing at the unpacked folder).
#   packaging/linux/make-tarball.sh VERSION [OUTDIR]
#     ->  OUTDIR/MiningPlanner-VERSION-linux-x86_64.tar.gz  (OUTDIR defaults to dist)
set -eu
VERSION="$1"
OUTDIR="${2:-dist}"
SRC="dist/MiningPlanner"
[ -d "$SRC" ] || { echo "make-tarball: $SRC not found (run scripts/build_bundle.py first)" >&2; exit 1; }
cp packaging/linux/mining-planner.desktop packaging/linux/mining-planner-mime.xml "$SRC/"
cp packaging/linux/install.sh "$SRC/install.sh"
chmod 755 "$SRC/install.sh"
cp resources/icon.png "$SRC/mining-planner.png"
mkdir -p "$OUTDIR"
OUT="$OUTDIR/MiningPlanner-${VERSION}-linux-x86_64.tar.gz"
tar -C dist -czf "$OUT" MiningPlanner
echo "make-tarball: wrote $OUT"
