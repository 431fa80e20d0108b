"""Headless Chromium as this project runs it: Debian's binary, on a closed network.

Shared by the browser tests and the README screenshot script, so both start Chromium the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# No background connections and nothing fetched at start-up: police networks are closed, and so
# is CI's, where each refused connection would otherwise show up as noise or a failed request.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
