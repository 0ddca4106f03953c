"""Test-wide settings: Qt (later) renders offscreen; glibc allocator tuned as in the app."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
