"""Draw the app icon once (resources/icon.png, 512 px) and derive the Windows .ico and the
macOS .icns from it with Pillow. Run: python packaging/make_icons.py (needs PySide6 and
Pillow: pip install -e ".[bundle]")."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def draw(path: Path, size: int = 512) -> None:
    """A rounded dark tile with a rising cash-flow line crossing a halving marker."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 512
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(16 * s, 16 * s, 480 * s, 480 * s), 96 * s, 96 * s)
    p.fillPath(tile, QColor("#1F3864"))
    p.setPen(QPen(QColor("#56B4E9"), 10 * s, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(300 * s, 90 * s), QPointF(300 * s, 420 * s))  # the halving
    bars = [(-60, 110), (-30, 150), (20, 190), (40, 230), (60, 270), (90, 340), (120, 380)]
    p.setPen(Qt.PenStyle.NoPen)
    for height, x in bars:
        colour = QColor("#E69F00") if height > 0 else QColor("#D55E00")
        top = 300 * s - max(height, 0) * s
        p.fillRect(QRectF(x * s - 14 * s, top, 28 * s, abs(height) * s), colour)
    line = QPainterPath(QPointF(90 * s, 330 * s))
    for x, y in ((160, 370), (230, 330), (300, 250), (370, 170), (430, 110)):
        line.lineTo(QPointF(x * s, y * s))
    p.setPen(QPen(QColor("#FFFFFF"), 22 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawPath(line)
    p.end()
    if not image.save(str(path), "PNG"):
        raise SystemExit(f"cannot write {path}")
    del app


def main() -> None:
    from PIL import Image

    png = ROOT / "resources" / "icon.png"
    draw(png)
    image = Image.open(png)
    icons = ROOT / "packaging" / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    image.save(icons / "planner.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    image.save(icons / "planner.icns")
    print(f"wrote {png}, {icons / 'planner.ico'}, {icons / 'planner.icns'}")


if __name__ == "__main__":
    main()
