"""Calendar quarters (季度) of the joint inspections: "2026Q3", its days and its bounds in Asia/Shanghai."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from correction.clock import LOCAL_TZ

_LABEL = re.compile(r"^(\d{4})Q([1-4])$")
_NAMES = "一二三四"


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def parse(cls, label: str) -> "Quarter":
        """`2026Q3` → Quarter(2026, 3).

        :raises ValueError: not a quarter label.
        """
        match = _LABEL.match(label)
        if match is None:
            raise ValueError(f"not a quarter: {label!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def name(self) -> str:
        """For people: 2026年第三季度."""
        return f"{self.year}年第{_NAMES[self.number - 1]}季度"

    @property
    def first_day(self) -> date:
        return date(self.year, self.number * 3 - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def starts_at(self) -> datetime:
        """The first instant of the quarter in Asia/Shanghai."""
        return datetime.combine(self.first_day, time(0), LOCAL_TZ)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the quarter (exclusive bound)."""
        return self.next().starts_at
