"""The analytics page's numbers: GROUP BY queries over the console's index tables (never
Rasa's events, never a Python loop over all rows), on SQLite and PostgreSQL alike.

A period is whole UTC days, `first` to `last` inclusive, like every time the console shows.
A conversation counts in a period (and on a day) when the user wrote in it then; with a
channel chosen, only the user's messages on that channel count; with a language chosen, only
the conversations in that language (conversation_index.language: the last language known,
console/language.py) count.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from common.bookings_schema import bookings
from console import charts
from console import language as languages
from console.indexer import EMERGENCY_INTENTS
from console.queries import _columns, as_utc
from console.tables import booking_first_contact, conversation_index, message_index

logger = logging.getLogger(__name__)
DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP = 10
MAX_CHANNEL = 64
DAY = 86400
# A request whose status reached one of these was contacted by staff (the funnel's last step).
CONTACT_STATUSES = ("contacted", "scheduled", "closed")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_m = message_index.c
FALLBACK = sa.or_(_m.fallback_reply.is_(True), _m.intent == "nlu_fallback")
EMERGENCY = sa.or_(_m.emergency_reply.is_(True), _m.intent.in_(sorted(EMERGENCY_INTENTS)),
                   _m.safety_rule.is_not(None))
SYMPTOM = _m.intent == "report_symptom"
# What a conversation did in the period: flags (at least one message) and counts (of messages).
FLAGS = (("symptom", SYMPTOM), ("emergency", EMERGENCY), ("offered", _m.offered.is_(True)),
         ("started", _m.form_started.is_(True)), ("completed", _m.booked.is_(True)))
COUNTS = ("messages", "fallbacks", "helpful", "unhelpful")
COLUMNS = COUNTS + tuple(name for name, _ in FLAGS)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    channel: str = ""
    language: str = ""  # en | id, '' for all

    @property
    def start_ts(self) -> float:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=timezone.utc).timestamp()

    @property
    def end_ts(self) -> float:
        return self.start_ts + len(self.days) * DAY

    @property
    def days(self) -> List[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]

    def form(self) -> Dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "channel": self.channel,
                "language": self.language}


def parse_period(args: Any, today: date) -> Tuple[Period, Optional[str]]:
    """The period the page asks for (?from=YYYY-MM-DD&to=…&channel=…&language=en|id); the last
    30 days by default. An invalid one gives the default period and a message saying what is
    wrong. A language other than en or id means every language (the choice offers only those)."""
    def value(name: str) -> str:
        return (args.get(name) or "").strip()[:100]

    channel = value("channel")[:MAX_CHANNEL]
    language = languages.choice(value("language"))
    default = Period(today - timedelta(days=DEFAULT_DAYS - 1), today, channel, language)
    parsed: Dict[str, Optional[date]] = {}
    for name, label in (("from", "start"), ("to", "end")):
        raw = value(name)
        if not raw:
            parsed[name] = None
            continue
        try:
            if not _DATE.match(raw):
                raise ValueError(raw)
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            return default, f"The {label} date '{raw}' is not a date: use YYYY-MM-DD, e.g. {today.isoformat()}."
        if not 1970 <= day.year <= 2999:
            return default, f"The {label} date '{raw}' is out of range (years 1970 to 2999)."
        parsed[name] = day
    last = parsed["to"] or (today if parsed["from"] is None or parsed["from"] <= today
                            else parsed["from"] + timedelta(days=DEFAULT_DAYS - 1))
    first = parsed["from"] or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        return default, f"The start date {first.isoformat()} is after the end date {last.isoformat()}."
    if (last - first).days + 1 > MAX_DAYS:
        return default, f"The period is {(last - first).days + 1} days long: choose at most {MAX_DAYS} days."
    return Period(first, last, channel, language), None


def _in_period(period: Period, *more: Any) -> Any:
    conditions = [_m.ts >= period.start_ts, _m.ts < period.end_ts, *more]
    if period.channel:
        conditions.append(_m.channel == period.channel)
    if period.language:
        conditions.append(_m.sender_id.in_(sa.select(conversation_index.c.sender_id)
                                           .where(conversation_index.c.language == period.language)))
    return sa.and_(*conditions)


LANGUAGE_BUCKETS = languages.LANGUAGES + (languages.OTHER,)


def _flag(condition: Any) -> Any:
    return sa.case((condition, 1), else_=0)


def _day_number(period: Period, dialect: str) -> Any:
    """The day of the period a message is on (0 = `first`); CAST truncates in SQLite but
    rounds in PostgreSQL, hence floor there."""
    offset = (_m.ts - period.start_ts) / DAY
    return sa.func.floor(offset) if dialect == "postgresql" else sa.cast(offset, sa.Integer)


def channels(console: Engine) -> List[str]:
    """The channels users wrote on, for the channel choice."""
    with console.connect() as connection:
        return [name for name in connection.execute(
            sa.select(_m.channel).where(_m.channel.is_not(None)).distinct().order_by(_m.channel)).scalars()]


def report(console: Engine, bookings_db: Engine, period: Period) -> Dict[str, Any]:
    """Every number the page shows for the period (see the module doc for what counts).

    Two passes over the period's rows of message_index, grouped in SQL: by day and
    conversation (one statement gives the days and, grouping that by conversation, the
    totals), and by intent and topic.
    """
    where = _in_period(period)
    index = conversation_index.c
    day = _day_number(period, console.dialect.name).label("day")
    # One row per conversation and day; used twice, so SQLite (3.35+) and PostgreSQL (12+)
    # compute it once.
    per_day = sa.select(
        day, _m.sender_id, sa.func.count().label("messages"), sa.func.sum(_flag(FALLBACK)).label("fallbacks"),
        *[sa.func.max(_flag(condition)).label(name) for name, condition in FLAGS],
        sa.func.sum(_flag(_m.feedback == "helpful")).label("helpful"),
        sa.func.sum(_flag(_m.feedback == "unhelpful")).label("unhelpful"),
    ).where(where).group_by(day, _m.sender_id).cte("per_day")
    per_conversation = sa.select(
        per_day.c.sender_id, *[sa.func.sum(per_day.c[name]).label(name) for name in COUNTS],
        *[sa.func.max(per_day.c[name]).label(name) for name, _ in FLAGS],
    ).group_by(per_day.c.sender_id).subquery()
    handed = _flag(sa.or_(index.handed_off.is_(True), index.taken_over.is_(True)))
    # Conversations per language, counted with the totals (a conversation not indexed yet: en;
    # `other`: every message in another language).
    language = sa.func.coalesce(index.language, languages.DEFAULT)
    per_language = [sa.func.sum(_flag(language == code)).label(f"language_{code}") for code in LANGUAGE_BUCKETS]
    days_part = sa.select(per_day.c.day, sa.func.count().label("conversations"),
                          *[sa.func.sum(per_day.c[name]).label(name) for name in COLUMNS],
                          sa.literal(0).label("handed"),
                          *[sa.literal(0).label(f"language_{code}") for code in LANGUAGE_BUCKETS]
                          ).group_by(per_day.c.day)
    totals_part = sa.select(sa.literal(-1).label("day"), sa.func.count().label("conversations"),
                            *[sa.func.sum(per_conversation.c[name]).label(name) for name in COLUMNS],
                            sa.func.sum(handed).label("handed"), *per_language).select_from(
        per_conversation.outerjoin(conversation_index, index.sender_id == per_conversation.c.sender_id))
    with console.connect() as connection:
        daily, totals = {}, None
        for row in connection.execute(sa.union_all(days_part, totals_part)).mappings():
            if int(row["day"]) < 0:
                totals = row
            else:
                daily[int(row["day"])] = row
        count = sa.func.count().label("n")
        # Topics as answered, not as guessed: a message answered with "which of these did you
        # mean?" counts under no topic.
        understood = connection.execute(sa.select(_m.intent, _m.answered, count).where(where)
                                        .group_by(_m.intent, _m.answered)).all()
        booked_senders = None
        if period.channel or period.language:
            booked_senders = list(connection.execute(
                sa.select(_m.sender_id).where(_in_period(period, _m.booked.is_(True))).distinct()).scalars())
        median, measured = _median_first_contact(connection, period)
    # English and Bahasa Indonesia always; "other" only when a conversation is in neither.
    per_language = [(code, int(totals[f"language_{code}"] or 0)) for code in LANGUAGE_BUCKETS
                    if code in languages.LANGUAGES or totals[f"language_{code}"]]
    totals = {key: int(value or 0) for key, value in totals.items()
              if key != "day" and not key.startswith("language_")}
    contacted = _contacted(bookings_db, period, booked_senders)
    days = []
    for number, moment in enumerate(period.days):
        row = daily.get(number)
        days.append({"day": moment, **{name: int(row[name] or 0) if row else 0 for name in (
            "conversations", "messages", "fallbacks", "symptom", "emergency")}})
    return {
        "period": period, "totals": totals, "days": days,
        "top_intents": _top(understood, 0), "top_topics": _top(understood, 1),
        "fallback_rate": rate(totals["fallbacks"], totals["messages"]),
        "handoff_rate": rate(totals["handed"], totals["conversations"]),
        "helpful_rate": rate(totals["helpful"], totals["helpful"] + totals["unhelpful"]),
        "funnel": [("Offered a consultation", totals["offered"]), ("Started the booking form", totals["started"]),
                   ("Completed a booking", totals["completed"]), ("Contacted by staff", contacted)],
        "contacted": contacted, "median_contact_seconds": median, "contact_measured": measured,
        "languages": per_language,  # (en | id | other, conversations)
    }


def _top(counted: List[Any], column: int) -> List[Tuple[str, int]]:
    """The most frequent intents (column 0) or topics (1) from the (intent, topic, count)
    groups: a few dozen rows, already counted in SQL."""
    totals: Dict[str, int] = {}
    for row in counted:
        if row[column] is not None:
            totals[str(row[column])] = totals.get(str(row[column]), 0) + int(row[2])
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:TOP]


def _median_first_contact(connection: Any, period: Period) -> Tuple[Optional[float], int]:
    """The median time from a request (made in the period) to staff's first contact, and of
    how many requests; two small ordered queries, the same on SQLite and PostgreSQL."""
    table = booking_first_contact.c
    conditions = [table.requested_at >= period.start_ts, table.requested_at < period.end_ts]
    if period.channel:
        conditions.append(table.channel == period.channel)
    if period.language:  # requests contacted before languages were kept have none
        conditions.append(table.language == period.language)
    count = connection.execute(sa.select(sa.func.count()).select_from(booking_first_contact)
                               .where(*conditions)).scalar_one()
    if not count:
        return None, 0
    wait = (table.at - table.requested_at).label("wait")
    middle = connection.execute(sa.select(wait).where(*conditions).order_by(wait)
                                .limit(2 - count % 2).offset((count - 1) // 2)).scalars().all()
    return sum(middle) / len(middle), count


def _contacted(bookings_db: Engine, period: Period, senders: Optional[List[str]]) -> Optional[int]:
    """Conversations whose request made in the period staff have contacted (bookings
    database); with a channel, among the conversations that booked on it. None: unknown."""
    start = datetime.fromtimestamp(period.start_ts, tz=timezone.utc)
    end = datetime.fromtimestamp(period.end_ts, tz=timezone.utc)
    conditions = [bookings.c.created_at >= start, bookings.c.created_at < end,
                  bookings.c.status.in_(CONTACT_STATUSES)]
    query = sa.select(sa.func.count(sa.distinct(bookings.c.sender_id)))
    try:
        if not _columns(bookings_db, bookings.name):
            return 0
        with bookings_db.connect() as connection:
            if senders is None:
                return int(connection.execute(query.where(*conditions)).scalar_one())
            chunks = [senders[offset:offset + 500] for offset in range(0, len(senders), 500)]
            return sum(int(connection.execute(query.where(*conditions, bookings.c.sender_id.in_(chunk))).scalar_one())
                       for chunk in chunks)
    except SQLAlchemyError as error:  # the bookings database is down: the rest of the page still shows
        logger.warning("analytics: contacted requests unknown error=%s", type(error).__name__)
        return None


def record_first_contact(console: Engine, bookings_db: Engine, reference: str, status: str,
                         at: Optional[float] = None) -> bool:
    """Keeps when staff first contacted a request's user (its status first set to contacted,
    scheduled or closed); later changes keep the first time. True when recorded now."""
    if status not in CONTACT_STATUSES:
        return False
    try:
        with console.connect() as connection:
            if connection.execute(sa.select(booking_first_contact.c.reference)
                                  .where(booking_first_contact.c.reference == reference)).first():
                return False
        with bookings_db.connect() as connection:
            booking = connection.execute(sa.select(bookings.c.sender_id, bookings.c.created_at)
                                         .where(bookings.c.reference == reference)).first()
        requested = as_utc(booking.created_at) if booking else None
        if requested is None:
            return False
        with console.begin() as connection:
            conversation = connection.execute(
                sa.select(conversation_index.c.channel, conversation_index.c.language)
                .where(conversation_index.c.sender_id == booking.sender_id)).first()
            channel, language = conversation if conversation else (None, None)
            connection.execute(booking_first_contact.insert().values(
                reference=reference, channel=channel[:MAX_CHANNEL] if channel else None,
                language=language, requested_at=requested.timestamp(), at=time.time() if at is None else at))
        return True
    except IntegrityError:  # another staff member's change recorded it first
        return False
    except SQLAlchemyError as error:  # the status change itself is done; only the figure misses it
        logger.warning("first contact not recorded error=%s", type(error).__name__)
        return False


def rate(part: int, whole: int) -> Optional[float]:
    return 100 * part / whole if whole else None


def percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:.1f} %"


def duration(seconds: Optional[float]) -> str:
    """'under 1 min', '42 min', '3 h 5 min', '2 d 4 h'; '—' when unknown."""
    if seconds is None:
        return "—"
    minutes = int(max(0, seconds) // 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def charts_for(data: Dict[str, Any]) -> Dict[str, Markup]:
    """The page's charts, each an SVG with its data table."""
    days = [row["day"] for row in data["days"]]
    totals = data["totals"]

    def counted(items: List[Tuple[str, int]]) -> List[Tuple[str, float, str]]:
        return [(label, value, charts.number(value)) for label, value in items]

    offered = data["funnel"][0][1]
    funnel = [(label, value or 0, "unknown" if value is None else
               f"{charts.number(value)} ({percent(rate(value, offered))} of offered)" if offered and index
               else charts.number(value))
              for index, (label, value) in enumerate(data["funnel"])]
    rates = [(label, value or 0, f"{percent(value)} ({charts.number(part)} of {charts.number(whole)})")
             for label, value, part, whole in (
                 ("Fallback rate (messages)", data["fallback_rate"], totals["fallbacks"], totals["messages"]),
                 ("Hand-off rate (conversations)", data["handoff_rate"], totals["handed"], totals["conversations"]),
                 ("Helpful answers", data["helpful_rate"], totals["helpful"],
                  totals["helpful"] + totals["unhelpful"]))]
    return {
        "conversations": charts.day_columns(
            "chart-conversations", "Conversations per day", days,
            [row["conversations"] for row in data["days"]], "conversations", width=1100),
        "safety": charts.day_lines(
            "chart-safety", "Symptom reports and emergencies per day", days,
            [("Symptom reports", [row["symptom"] for row in data["days"]]),
             ("Emergencies", [row["emergency"] for row in data["days"]])],
            note="Conversations with a symptom report, and with an emergency (intent, safety rule or reply)."),
        "fallbacks": charts.day_lines(
            "chart-fallbacks", "Fallback rate per day", days,
            [("Fallback rate", [rate(row["fallbacks"], row["messages"]) for row in data["days"]])], unit=" %",
            note="Messages answered with a fallback (or classified nlu_fallback), of the day's messages."),
        "intents": charts.bars("chart-intents", "Top intents", counted(data["top_intents"]),
                               ["Intent", "Messages"], note="User messages by the intent understood."),
        "topics": charts.bars("chart-topics", "Top FAQ topics", counted(data["top_topics"]),
                              ["FAQ topic", "Questions"]),
        "funnel": charts.bars("chart-funnel", "Booking funnel", funnel, ["Step", "Conversations"],
                              maximum=max(1, offered, *[value or 0 for _, value in data["funnel"]]),
                              note="Conversations at each step; contacted: requests made in the period that "
                                   "staff set to contacted, scheduled or closed."),
        "rates": charts.bars("chart-rates", "Rates", rates, ["Rate", "Value"], maximum=100, track=True,
                             note="Hand-off: handed to or taken over by staff. Helpful: answers users marked "
                                  "helpful in the web chat, of those they marked helpful or not."),
    }
