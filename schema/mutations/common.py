"""What every mutation shares: `userErrors` and the `clientMutationId` echo.

A mutation validates its whole input first and answers every problem at once, each with the
path of the offending input field under `input` (list indexes included, as strings, so one path
type serves every field) and a `UserErrorCode`. Input with a problem changes nothing and reaches
no upstream.
"""

import strawberry

from app.errors import Problem, Problems
from schema.enums import UserErrorCode


@strawberry.type(description="A problem with a mutation's input; nothing changed because of it.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path of the offending field under `input`, e.g. "
        '`["devices", "3", "name"]`; null when the problem is not about one field.'
    )
    code: UserErrorCode
    message: str

    @classmethod
    def of(cls, problem: Problem) -> "UserError":
        return cls(
            field=[str(part) for part in problem.path] or None,
            code=UserErrorCode(problem.code),
            message=problem.message,
        )


def user_errors(problems: Problems | list[Problem]) -> list[UserError]:
    return [UserError.of(problem) for problem in problems]
