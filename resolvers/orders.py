"""Order lists: filter by client status, order date and number; order by date, status or number."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.enums import OrderClientStatus
from resolvers.loaders import ORDERS, Condition
from resolvers.paging import OrderDirection, Ordering


class OrderOrderField(StrEnum):
    ORDER_DATE = "ORDER_DATE"
    CLIENT_STATUS = "CLIENT_STATUS"
    ORDER_NUMBER = "ORDER_NUMBER"
    CREATED_AT = "CREATED_AT"


_ORDER_SORT_COLUMNS = {
    OrderOrderField.ORDER_DATE: ORDERS.c.order_date,
    OrderOrderField.CLIENT_STATUS: ORDERS.c.client_status,
    OrderOrderField.ORDER_NUMBER: ORDERS.c.order_number,
    OrderOrderField.CREATED_AT: ORDERS.c.created_at,
}


def order_ordering(field: OrderOrderField, direction: OrderDirection) -> Ordering:
    column = _ORDER_SORT_COLUMNS[field]
    return Ordering(field.value, column, ORDERS.c.id, direction, bool(column.nullable))


@dataclass(frozen=True, slots=True)
class OrderCriteria:
    search: str | None = None
    client_statuses: tuple[OrderClientStatus, ...] | None = None
    ordered_after: datetime | None = None
    ordered_before: datetime | None = None

    def conditions(self) -> tuple[Condition, ...]:
        found: list[Condition] = []
        if self.search and (term := self.search.strip()):
            found.append(
                ORDERS.c.order_number.icontains(term, autoescape=True)
                | ORDERS.c.contract_number.icontains(term, autoescape=True)
            )
        if self.client_statuses is not None:
            found.append(ORDERS.c.client_status.in_([s.value for s in self.client_statuses]))
        if self.ordered_after is not None:
            found.append(ORDERS.c.order_date >= self.ordered_after)
        if self.ordered_before is not None:
            found.append(ORDERS.c.order_date < self.ordered_before)
        return tuple(found)
