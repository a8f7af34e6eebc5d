"""The LS fixtures these tests share with tests/ls: the simulator and the app runner."""

from tests.ls.conftest import ls_sim  # noqa: F401
from tests.ls.test_end_to_end import start_app  # noqa: F401
