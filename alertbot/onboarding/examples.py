"""Where the example rules live once installed: package data, so ``alertbot demo`` and
``alertbot init`` work from any folder and in the image, not only in a clone.

In the repository ``alertbot/examples`` is a symbolic link to ``rules/`` (the folder users
read and copy): one file, two names. Building the wheel follows the link and ships the files.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
"""The shipped example rule folder (``rules/`` in a clone)."""
