"""Records the operation's name in the request's figures (for the request log line)."""

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from app import stats


class OperationFigures(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        figures = stats.current()
        if figures is not None:
            figures.operation_name = self.execution_context.operation_name
