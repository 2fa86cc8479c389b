"""One page of a long list that is not a single query's rows (a report's table, the texts still
missing a translation): what the `pagination` macro in `templates/_macros/forms.html` reads."""

import math
from dataclasses import dataclass, field


@dataclass
class ListPage:
    page: int
    per_page: int
    total: int
    items: list = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
