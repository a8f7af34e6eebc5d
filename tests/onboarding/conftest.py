"""The onboarding commands in either language (the ``english`` fixture is the suite's own)."""

from __future__ import annotations

import re

HANGUL = re.compile("[가-힣]")
"""Korean text: none may be left in what the English commands write themselves."""
