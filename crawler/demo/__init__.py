"""The bundled demo blog and the loopback server that serves it."""

from __future__ import annotations

from pathlib import Path

SITE_DIR = Path(__file__).with_name("site")
