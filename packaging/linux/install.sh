#!/bin/sh
# Register Mining Planner with the desktop for this user, where it was unpacked:
#   MiningPlanner/install.sh
# writes the desktop entry (its Exec is this folder's MiningPlanner, so it works without
# the app on PATH), the .mplan MIME type and the icon under ${XDG_DATA_HOME:-~/.local/share}.
# Run it again after moving the folder. No root needed; nothing outside that folder.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
[ -x "$HERE/MiningPlanner" ] || { echo "install.sh: $HERE/MiningPlanner not found" >&2; exit 1; }

# The Exec key's quoting (Desktop Entry Specification): the path in double quotes, with
# ", `, $ and \ escaped by a backslash, then every backslash doubled (string escaping),
# and % written %%.
quoted="$(printf '%s' "$HERE/MiningPlanner" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')"
# sed's replacement text: escape \, & and the | delimiter once more.
replacement="$(printf '%s' "\"$quoted\"" | sed -e 's/[\\&|]/\\&/g')"

mkdir -p "$DATA/applications" "$DATA/mime/packages" "$DATA/icons/hicolor/256x256/apps"
sed "s|@EXEC@|$replacement|" "$HERE/mining-planner.desktop" > "$DATA/applications/mining-planner.desktop"
cp "$HERE/mining-planner-mime.xml" "$DATA/mime/packages/mining-planner.xml"
cp "$HERE/mining-planner.png" "$DATA/icons/hicolor/256x256/apps/mining-planner.png"
if command -v update-mime-database >/dev/null 2>&1; then update-mime-database "$DATA/mime" || true; fi
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database "$DATA/applications" || true; fi
echo "install.sh: Mining Planner registered in $DATA (Exec: $HERE/MiningPlanner)"
