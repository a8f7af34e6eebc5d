"""``alertbot init [DIR]``: a starter rules folder and an env file, both commented in Korean.

The starter passes ``alertbot check`` as written (its ``${VAR}`` are warnings until the env file
is filled in). Files that exist are never overwritten: running it twice is harmless.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

STARTER = Path(__file__).resolve().with_name("starter")
RULES_FILE = STARTER / "alerts.yaml"
ENV_TEMPLATE = STARTER / "alertbot.env.template"


def init(folder: Path, say: Callable[[str], None] = print) -> int:
    """Create ``folder/rules/alerts.yaml`` and ``folder/alertbot.env``; say what was done."""
    targets = [
        (RULES_FILE, folder / "rules" / "alerts.yaml", 0o644),
        (ENV_TEMPLATE, folder / "alertbot.env", 0o600),  # it will hold tokens
    ]
    for source, target, mode in targets:
        if target.exists():
            say(f"그대로 둠: {target} (이미 있습니다)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        target.chmod(mode)
        say(f"만듦: {target}")
    rules, env = folder / "rules", folder / "alertbot.env"
    say(
        "\n다음 단계:\n"
        f"  1. alertbot setup telegram --env-file {env}    (텔레그램 토큰 확인, chat_id 찾기)\n"
        f"  2. {env} 에 증권사 앱키 입력                 (docs/ko/시작하기.md)\n"
        f"  3. alertbot doctor --env-file {env}            (규칙·증권사·채널 점검)\n"
        f"  4. set -a; . {env}; set +a; alertbot run --rules {rules}\n"
        "     또는 Docker: docker compose up -d --wait"
    )
    return 0
