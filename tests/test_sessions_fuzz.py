"""Every session, fed random and mutated frames among timer ticks, rule changes and
reconnects, never raises (issue 13's fuzz; ``bench/fuzz_sessions.py`` runs 10⁵ and more)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzzing import SESSIONS, drive, examples, steps

EXAMPLES = 1200
"""Per session: a few thousand in all, in the normal suite."""


@pytest.mark.parametrize("source", sorted(SESSIONS))
def test_no_input_makes_a_session_raise(source: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps(examples(source)))
    def run(life: list[tuple[str, object]]) -> None:
        drive(SESSIONS[source], life)

    run()
