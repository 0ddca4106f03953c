#!/bin/sh
# Pack dist/MiningPlanner with a desktop entry and the .mplan MIME type into a tar.gz.
#   packaging/linux/make-tarball.sh VERSION  ->  dist/MiningPlanner-VERSION-linux-x86_64.tar.gz
set -eu
VERSION="$1"
SRC="dist/MiningPlanner"
[ -d "$SRC" ] || { echo "make-tarball: $SRC not found (run scripts/build_bundle.py first)" >&2; exit 1; }
cp packaging/linux/mining-planner.desktop packaging/linux/mining-planner-mime.xml "$SRC/"
cp resources/icon.png "$SRC/mining-planner.png"
tar -C dist -czf "dist/MiningPlanner-${VERSION}-linux-x86_64.tar.gz" MiningPlanner
echo "make-tarball: wrote dist/MiningPlanner-${VERSION}-linux-x86_64.tar.gz"
