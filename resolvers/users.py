"""User lists: search by name, email or team; filter by team; order by name, email or creation."""

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from resolvers.loaders import USERS, Condition
from resolvers.paging import OrderDirection, Ordering


class UserOrderField(StrEnum):
    NAME = "NAME"
    EMAIL = "EMAIL"
    CREATED_AT = "CREATED_AT"


_USER_SORT_COLUMNS = {
    UserOrderField.NAME: USERS.c.name,
    UserOrderField.EMAIL: USERS.c.email,
    UserOrderField.CREATED_AT: USERS.c.created_at,
}


def user_ordering(field: UserOrderField, direction: OrderDirection) -> Ordering:
    column = _USER_SORT_COLUMNS[field]
    return Ordering(field.value, column, USERS.c.id, direction, bool(column.nullable))


@dataclass(frozen=True, slots=True)
class UserCriteria:
    search: str | None = None
    teams: tuple[str, ...] | None = None

    def conditions(self) -> tuple[Condition, ...]:
        found: list[Condition] = []
        if self.search and (term := self.search.strip()):
            found.append(
                sa.or_(
                    USERS.c.name.icontains(term, autoescape=True),
                    USERS.c.email.icontains(term, autoescape=True),
                    USERS.c.team.icontains(term, autoescape=True),
                )
            )
        if self.teams is not None:
            found.append(USERS.c.team.in_(self.teams))
        return tuple(found)
