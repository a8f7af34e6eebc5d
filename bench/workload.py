"""What every benchmark feeds the bot: realistic Kiwoom ``0B`` frames and price rules at scale.

Frames are the vendor's own ``0B`` example (tests/golden/kiwoom/0B_trade_real.json: 45 fields,
most of them unused by the bot) with the code, time, price, change, rate, volume and
cumulative volume varied per frame, so the decoder reads exactly what the broker sends.

Rules are built programmatically: validating 100,000 rules through the YAML loader takes
~15 s, while the engine only ever sees the validated models. Each rule is a price rule (the
kind a trade frame meets) whose level the frames never reach, so nothing fires and the
figure is the cost of deciding "no".
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from alertbot.engine.rules import LocatedRule, RuleSet
from alertbot.engine.schema import RULE, ChannelSpec, Defaults

GOLDEN_0B = (
    Path(__file__).resolve().parents[1] / "tests" / "golden" / "kiwoom" / "0B_trade_real.json"
)
SYMBOLS = 2_000
BASE_CODE = 100_000
"""Codes ``100000`` … ``101999``: six digits like real KRX codes."""


def symbols(count: int = SYMBOLS) -> list[str]:
    return [f"{BASE_CODE + n:06d}" for n in range(count)]


def _signed(value: float, text: str) -> str:
    return f"+{text}" if value > 0 else f"-{text}" if value < 0 else text


def trade_frames(
    count: int, codes: list[str], *, seed: int = 9, cum_start: int = 1, fids: int = 0
) -> Iterator[bytes]:
    """``count`` REAL frames, one ``0B`` entry each, round-robin over ``codes``.

    ``fids`` keeps only the example's first N fields (16 keeps every one the bot reads): the
    shape of a broker configured to send less, and a faster sender for the whole-bot benchmark.

    Prices random-walk per stock within ±29% of its reference price (KRX's daily limit is
    ±30%); ``13`` (cumulative volume) grows with every frame so no two frames are one trade.
    """
    rng = random.Random(seed)
    template = orjson.loads(GOLDEN_0B.read_bytes())
    entry = template["data"][0]
    if fids:
        entry["values"] = dict(list(entry["values"].items())[:fids])
    values = entry["values"]
    reference = {code: rng.randrange(5_000, 150_000) for code in codes}
    last = dict(reference)
    seconds = 9 * 3600
    for n in range(count):
        code = codes[n % len(codes)]
        low, high = reference[code] * 71 // 100, reference[code] * 129 // 100
        price = min(high, max(low, last[code] + rng.randrange(-50, 51) * 10))
        last[code] = price
        change = price - reference[code]
        rate = change * 100 / reference[code]
        volume = rng.randrange(1, 500) * (1 if rng.random() < 0.5 else -1)
        if n % 100 == 0:
            seconds += 1
        entry["item"] = code
        values["20"] = f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}"
        values["10"] = _signed(change, str(price))
        values["11"] = _signed(change, str(abs(change)))
        values["12"] = _signed(change, f"{abs(rate):.2f}")
        values["15"] = f"{volume:+d}"
        values["13"] = str(cum_start + n)
        yield orjson.dumps(template)


def frame_with(values: dict[str, str], code: str) -> bytes:
    """One ``0B`` REAL frame: the golden example with ``values`` replaced."""
    template = copy.deepcopy(orjson.loads(GOLDEN_0B.read_bytes()))
    template["data"][0]["item"] = code
    template["data"][0]["values"].update(values)
    return orjson.dumps(template)


def price_rule(index: int, codes: list[str], **extra: Any) -> Any:
    """A price rule on ``codes`` whose level no frame reaches (three kinds of level in turn)."""
    kind = index % 3
    level: dict[str, float]
    if kind == 0:
        level = {"above": 5_000_000 + index}
    elif kind == 1:
        level = {"below": 1 + (index % 100) / 100}
    else:
        level = {"change_pct_above": 31 + index % 50}
    body = {"name": f"r{index}", "event": "price", "symbols": codes, **level, **extra}
    return RULE.validate_python(body)


def quiet_ruleset(rule_count: int, codes: list[str]) -> RuleSet:
    """``rule_count`` price rules that never fire, covering every code in ``codes``.

    With fewer rules than codes each rule watches a slice of the codes (10 rules × 200 codes),
    so every frame meets watched stocks in every configuration and only the rule count varies.
    """
    if rule_count >= len(codes):
        rules = [price_rule(i, [codes[i % len(codes)]]) for i in range(rule_count)]
    else:
        share = -(-len(codes) // rule_count)
        rules = [price_rule(i, codes[i * share : (i + 1) * share]) for i in range(rule_count)]
    return RuleSet(
        channels={"log": ChannelSpec(type="console")},
        defaults=Defaults(notify=["log"]),
        rules=[LocatedRule(rule, "bench", i + 1) for i, rule in enumerate(rules)],
    )


def quiet_rules_yaml(rule_count: int, codes: list[str]) -> str:
    """The rules of ``quiet_ruleset`` as a rule file, for benchmarks that run the whole app."""
    lines = ["channels:", "  log: {type: console}", "defaults:", "  notify: [log]", "rules:"]
    for index in range(rule_count):
        rule = price_rule(index, [codes[index % len(codes)]])
        key, level = rule.levels[0]
        lines.append(
            f'  - {{name: r{index}, event: price, symbol: "{rule.symbols[0]}", {key}: {level}}}'
        )
    return "\n".join(lines) + "\n"


LATENCY_LEVEL = 50_500
"""Firing stocks cross up through this; the others trade below it with a level far above."""
LATENCY_EVERY = 20
"""One frame in 20 fires (5%)."""
CHATS = 50


def latency_rules_yaml(codes: list[str], base_url: str, chats: int = CHATS) -> str:
    """Half the codes fire (in turn, over ``chats`` Telegram chats), half never do.

    The default cooldown (60 s) applies, as in most rule files: each firing stock fires once
    in a run, so none is held back, and each firing pays for its cooldown row in the state
    database, as it would in production. The message carries ``#{cum_volume}``: the frame's
    sequence number, to match send and arrival.
    """
    lines = ["channels:"]
    for chat in range(chats):
        lines += [
            f"  chat{chat}:",
            "    type: telegram",
            '    token: "123:bench-token"',
            f'    chat_id: "{100_000 + chat}"',
            f'    base_url: "{base_url}"',
            "    commands: false",
        ]
    lines += ["defaults:", "  notify: [chat0]", "rules:"]
    quiet, firing = codes[: len(codes) // 2], codes[len(codes) // 2 :]
    for n, code in enumerate(quiet):
        lines.append(f'  - {{name: quiet{n}, event: price, symbol: "{code}", above: 5000000}}')
    for n, code in enumerate(firing):
        lines.append(
            f'  - {{name: fire{n}, event: price, symbol: "{code}", above: {LATENCY_LEVEL}, '
            f'notify: [chat{n % chats}], message: "bench #{{cum_volume}} {{display}}"}}'
        )
    return "\n".join(lines) + "\n"


def latency_frames(count: int, codes: list[str]) -> tuple[list[bytes], list[int]]:
    """Frames in blocks of 20: 18 quiet trades, one firing stock set just below its level,
    then (last in the block) the same stock crossing up through it. Returns the frames and
    the indices of the firing ones; ``13`` holds each frame's index."""
    quiet, firing = codes[: len(codes) // 2], codes[len(codes) // 2 :]
    frames: list[bytes] = []
    fired: list[int] = []
    for n in range(count):
        block, step = divmod(n, LATENCY_EVERY)
        target = firing[block % len(firing)]
        seconds = 9 * 3600 + n // 500
        hhmmss = f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}"
        if step == LATENCY_EVERY - 1:
            code, price = target, LATENCY_LEVEL + 100
            fired.append(n)
        elif step == LATENCY_EVERY // 2:
            code, price = target, LATENCY_LEVEL - 500
        else:
            code, price = quiet[n % len(quiet)], 49_000 + n % 1_000
        values = {"20": hhmmss, "10": f"+{price}", "13": str(n), "15": "+10"}
        frames.append(frame_with(values, code))
    return frames, fired
