"""The fast path: an execution strategy for the operations it can plan (`FAST_PATH`, default on).

Strawberry stays the schema and graphql-core, through Strawberry, the reference executor; the
fast path is the `execution_context_class` of the schema (`executor.py`), planned per operation
(`plan.py`, `cache.py`), with the async resolvers it may batch listed in `known.py`.
"""

from schema.fastpath.compat import incompatibilities
from schema.fastpath.executor import FastExecutionContext, execution_context_class

__all__ = ["FastExecutionContext", "execution_context_class", "incompatibilities"]
