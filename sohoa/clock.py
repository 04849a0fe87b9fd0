"""Time helpers: the catalog stores UTC; people read Vietnam time.

Vietnam has kept UTC+7 without daylight saving since 1975, so when the
system has no tz database (minimal containers, Windows without ``tzdata``)
a fixed offset gives the same answer for every timestamp sohoa can produce.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _vietnam_zone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7), "ICT")


VIETNAM = _vietnam_zone()


def utc_now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def vietnam_time(moment: datetime) -> datetime:
    """``moment`` shown on the Vietnam clock (UTC+7); naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)
