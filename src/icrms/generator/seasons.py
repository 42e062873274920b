"""When declarations are lodged: busier and quieter months and weekdays.

Volumes peak before the year-end holidays and dip in February (Lunar New Year, when factories
in the main exporting countries close) and in August; weekends are quiet.
"""

from __future__ import annotations

from datetime import date

import numpy as np

# Relative volume per month (January first) and per ISO weekday (Monday first).
MONTH_VOLUME = np.array([1.0, 0.8, 1.0, 1.0, 1.05, 1.0, 0.95, 0.88, 1.05, 1.15, 1.25, 1.1])
WEEKDAY_VOLUME = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.2])


def day_weights(start: date, days: int) -> np.ndarray:
    """Share of the year's declarations lodged on each day from ``start`` (sums to 1)."""
    dates = np.datetime64(start) + np.arange(days)
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (ISO weekday 4)
    weights = MONTH_VOLUME[month] * WEEKDAY_VOLUME[weekday]
    return weights / weights.sum()


def month_volume(day: np.ndarray, start: date) -> np.ndarray:
    """The month's relative volume for days of the year counted from ``start``."""
    month = (np.datetime64(start) + day).astype("datetime64[M]").astype(np.int64) % 12
    return MONTH_VOLUME[month]
