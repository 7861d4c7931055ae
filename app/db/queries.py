"""Conditions more than one layer needs, written once."""

import sqlalchemy as sa

from app.db import tables
from app.enums import MdmEnrollmentStatus

MDM = tables.MdmEnrollment.__table__


def exposed_enrollment() -> sa.ColumnElement[bool]:
    """MDM enrollment rows a client may see: neither DRAFT nor deleted."""
    return sa.and_(MDM.c.status != MdmEnrollmentStatus.DRAFT.value, MDM.c.deleted_at.is_(None))
