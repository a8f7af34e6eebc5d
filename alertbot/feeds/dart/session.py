"""The disclosure feed's whole state, as a pure machine: answers and ``now`` in, events and
the next request out. No sockets, no clock of its own, no storage: the poller does those.

It keeps the shared session contract (``feeds/session.py``): ``receive(body, now)`` gives
the events; what a poll cannot express as frames it leaves on itself — ``request`` (what to
ask next, and after how long), ``notices``, ``ending`` (a refused key), and ``take_seen()``
(filings to keep in the state database) — so the poller, ``record`` and ``replay`` drive the
very same object.

One *pass* reads today's filings newest first, page after page, until it meets a filing it
has already seen (usually on page 1: a quiet poll is one call). New filings become events,
oldest first. The first pass of a day the feed has never run on reads every page and only
remembers them: a bot started at 14:00 does not alert the morning's 500 filings.

Pacing keeps the key under OpenDART's 20,000 calls a day: ``poll`` seconds between passes in
07:00–19:00 KST on business days (stretched when the calls left would not last the hours
left), every ``OFF_HOURS`` outside. ``020`` (limit exceeded) backs off and goes on;
``010``/``011``/``012``/``901`` (key or IP refused) stop the feed; ``800``/``900`` and
anything else unexpected are tried again later. See docs/protocol/dart.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from alertbot.events import KST, Disclosure
from alertbot.feeds.dart import protocol
from alertbot.feeds.dart.protocol import ListAnswer, Unreadable
from alertbot.feeds.session import NOTHING, FatalFeedError, Frames, Session
from alertbot.feeds.session import Step as Received
from alertbot.i18n import t
from alertbot.subscriptions import Subscriptions

DAILY_QUOTA = 20_000
BUDGET = int(DAILY_QUOTA * 0.9)
"""What pacing plans to spend: a margin for restarts and for other tools sharing the key."""
FILINGS_START, FILINGS_END = clock_time(7, 0), clock_time(19, 0)
"""Filings arrive roughly in these hours (KST) on business days."""
OFF_HOURS = 600.0
"""Seconds between passes outside the filing hours: late filings are still caught."""
LIMIT_BACKOFF = (60.0, 900.0)
"""After ``020``: the first pause, doubled on each further ``020`` up to the second."""
RETRY_LATER = 60.0
"""After maintenance (``800``), a service error (``900``) or an unexpected status."""


def weekday(day: date) -> bool:
    """Monday to Friday: business days when the app gives no exchange calendar."""
    return day.weekday() < 5


@dataclass(frozen=True, slots=True)
class Request:
    """Ask for ``page_no`` of ``day``'s filings after ``delay`` seconds."""

    day: str
    page_no: int
    delay: float = 0.0

    def query(self) -> dict[str, str]:
        return protocol.query(self.day, self.page_no)


@dataclass(frozen=True, slots=True)
class Step:
    """What one answer means for the world outside the session."""

    request: Request | None
    """The next request; ``None`` when the feed must stop (see ``fatal``)."""
    events: tuple[Disclosure, ...] = ()
    remember: tuple[str, ...] = ()
    """``rcept_no``s of ``day`` to keep in the state database (a restart must not resend)."""
    day_started: bool = False
    """The first pass of ``day`` is complete: a restart today alerts what is new after it."""
    day: str = ""
    notice: str = ""
    """For the admin channel (once per kind of trouble and day)."""
    fatal: str = ""
    """Why the feed must stop: the service refused the key or this machine's IP."""
    problem: str = ""
    """A line for the log when the answer was not the normal one."""


@dataclass(slots=True)
class Paging:
    """The pass in progress."""

    day: str
    baseline: bool
    """Remember what is found, alert nothing: the first pass of a day never run before."""


Seen = tuple[str, tuple[str, ...], bool]
"""``(day, rcept_nos, day_started)`` for the state database."""


class DartSession(Session):
    """``connected(now)`` begins; ``request`` is what to ask; ``receive(body, now)`` reads it."""

    source = protocol.SOURCE

    def __init__(
        self,
        *,
        day: str = "",
        known: Iterable[str] = (),
        started: bool = False,
        poll: float = 5.0,
        business_day: Callable[[date], bool] = weekday,
    ) -> None:
        """``known``/``started``: what the state database holds for ``day`` (today at start);
        no ``day`` (a replay): the day of the first ``connected``."""
        super().__init__()
        self.poll = poll
        self.business_day = business_day
        self.day = day
        self.seen: set[str] = set(known)
        self.started = started
        self.paging = Paging(day, baseline=not started)
        self.request: Request | None = None
        """The next request; ``None`` before ``connected`` and once the key is refused."""
        self.readable = True
        """Whether the last body was an OpenDART answer (if not, the poller retries it)."""
        self.problem = ""
        """A line for the log about the last answer, when it was not the normal one."""
        self.calls = 0
        """Calls answered on ``calls_day``, for pacing."""
        self.calls_day = day
        self._seen: list[Seen] = []
        self._limit_pause = 0.0
        self._told: set[str] = set()

    # ------------------------------------------------------------------ the contract

    def connected(self, now: datetime) -> Frames:
        """A (new) HTTP session: go on with the pending request, or begin a pass."""
        self.reset()
        if not self.day:
            self.day = self.calls_day = _day(now)
        if self.request is None:
            self.request = self.start(now)
        return ()

    def want(self, subscriptions: Subscriptions) -> Frames:
        self.subscriptions = subscriptions
        return ()

    def receive(self, frame: str | bytes, now: datetime) -> Received:
        """One ``list.json`` body. Its events; the next request is left in ``request``."""
        answer = protocol.parse(frame)
        self.readable = not isinstance(answer, Unreadable)
        if isinstance(answer, Unreadable):
            self.note_unparsed(answer.reason)
            return NOTHING
        if answer.skipped:
            self.note_unparsed(t("unparsed.no_rcept_no"), answer.skipped)
        step = self.answer(answer, now)
        self.request, self.problem = step.request, step.problem
        if step.notice:
            self.notices.append(step.notice)
        if step.fatal:
            self.end(FatalFeedError(step.fatal))
        else:
            self.ready = True
        if step.remember or step.day_started:
            self._seen.append((step.day, step.remember, step.day_started))
        return step.events, ()

    def take_seen(self) -> list[Seen]:
        """Filings seen since the last call, for the state database (after their events)."""
        seen, self._seen = self._seen, []
        return seen

    # ------------------------------------------------------------------ requests

    def start(self, now: datetime) -> Request:
        """The request that begins a pass at ``now`` (a new day resets what was seen)."""
        today = _day(now)
        if today != self.day:
            # Running across midnight: today's filings are all new, none is a flood.
            self.day, self.seen, self.started = today, set(), True
        self.paging = Paging(self.day, baseline=not self.started)
        return Request(self.day, 1)

    def hurry(self, now: datetime) -> None:
        """Asked to poll at once: a pass due later begins now; a page under way goes on."""
        if self.request is not None:
            later = self.request.page_no == 1
            self.request = self.start(now) if later else _later(self.request, 0.0)

    def interval(self, now: datetime) -> float:
        """Seconds until the next pass: ``poll`` in filing hours, paced to the quota."""
        local = now.astimezone(KST)
        if not self.active(local):
            return min(OFF_HOURS, max(self.poll, _seconds_until_start(local, self.active)))
        end = datetime.combine(local.date(), FILINGS_END, KST)
        remaining = max(BUDGET - self.calls_on(local), 1)
        return max(self.poll, (end - local).total_seconds() / remaining)

    def active(self, local: datetime) -> bool:
        """Filing hours: 07:00–19:00 KST on a business day."""
        return self.business_day(local.date()) and FILINGS_START <= local.time() < FILINGS_END

    def calls_on(self, local: datetime) -> int:
        return self.calls if self.calls_day == local.strftime("%Y%m%d") else 0

    # ------------------------------------------------------------------ answers

    def answer(self, answer: ListAnswer, now: datetime) -> Step:
        """What ``answer`` (to the last request) means, and what to ask next."""
        self._count(now)
        status = answer.status
        if status in (protocol.OK, protocol.NO_DATA):
            self._limit_pause = 0.0
            return self._page(answer, now)
        words = f"{answer.message or t('feed.dart_no_message')} ({status})"
        retry = Request(self.paging.day, max(answer.page_no, 1))
        if status in protocol.KEY_REFUSED:
            return Step(None, fatal=t("feed.dart_key_refused", error=words))
        if status == protocol.LIMIT:
            low, high = LIMIT_BACKOFF
            self._limit_pause = min(high, max(low, self._limit_pause * 2))
            return Step(
                _later(retry, self._limit_pause),
                notice=self._once("limit", t("feed.dart_limit", error=words), now),
                problem=f"request limit: {words}; next try in {self._limit_pause:.0f}s",
            )
        notice = ""
        if status not in protocol.MAINTENANCE:
            notice = self._once(status, t("feed.dart_retrying", error=words), now)
        return Step(
            _later(retry, RETRY_LATER),
            notice=notice,
            problem=f"{words}; next try in {RETRY_LATER:.0f}s",
        )

    def _page(self, answer: ListAnswer, now: datetime) -> Step:
        paging = self.paging
        new = [f for f in answer.filings if f.rcept_no not in self.seen]
        reached_known = len(new) < len(answer.filings)
        self.seen.update(f.rcept_no for f in new)
        events = () if paging.baseline else tuple(f.event(now) for f in reversed(new))
        remember = tuple(f.rcept_no for f in new)
        more = answer.status == protocol.OK and answer.page_no < answer.total_page
        if more and (paging.baseline or not reached_known):
            next_page = Request(paging.day, answer.page_no + 1)
            return Step(next_page, events, remember, day=paging.day)
        day_started = not self.started
        self.started = True
        following = self.start(now)
        return Step(
            _later(following, self.interval(now)),
            events,
            remember,
            day_started=day_started,
            day=paging.day,
        )

    def _count(self, now: datetime) -> None:
        today = _day(now)
        if today != self.calls_day:
            self.calls_day, self.calls = today, 0
        self.calls += 1

    def _once(self, kind: str, text: str, now: datetime) -> str:
        """``text`` the first time ``kind`` happens on a day, else empty."""
        key = f"{_day(now)}:{kind}"
        if key in self._told:
            return ""
        self._told.add(key)
        return text


def _day(now: datetime) -> str:
    return now.astimezone(KST).strftime("%Y%m%d")


def _later(request: Request, delay: float) -> Request:
    return Request(request.day, request.page_no, delay)


def _seconds_until_start(local: datetime, active: Callable[[datetime], bool]) -> float:
    """Seconds until filing hours next begin (within a week), so the first pass is on time."""
    for days in range(8):
        start = datetime.combine(local.date() + timedelta(days=days), FILINGS_START, KST)
        if start > local and active(start):
            return (start - local).total_seconds()
    return OFF_HOURS
