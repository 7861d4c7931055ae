"""The gateway's own database: SQLModel tables, column types, the async engine."""
