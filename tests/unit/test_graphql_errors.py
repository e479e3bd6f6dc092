"""GraphQL's own errors name the problem without repeating the request's values.

Regression: a variable of the wrong type was answered "Unexpected error." (masked), while a
literal of the wrong type came back with the literal in the message (an e-mail address given
where a number goes).
"""

from __future__ import annotations

import pytest

from app.entrypoints.gql.schema import build_schema, without_values

PERSONAL = "jane.doe@example.com"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            f'Int cannot represent non-integer value: "{PERSONAL}"',
            "Int cannot represent non-integer value.",
        ),
        (
            "Variable '$id' has invalid value: String cannot represent a non string value: 12",
            "Variable '$id' has invalid value: String cannot represent a non string value.",
        ),
        (
            "Variable '$i' has invalid value at .value: String cannot represent a non string"
            f' value: ["{PERSONAL}"]',
            "Variable '$i' has invalid value at .value: String cannot represent a non string"
            " value.",
        ),
        (
            "Expected value of type 'IdentifierInput' not to include unknown field 'extra',"
            f' found: {{ value: "{PERSONAL}", extra: 1 }}.',
            "Expected value of type 'IdentifierInput' not to include unknown field 'extra'.",
        ),
        (
            "Variable '$i' has invalid value: Expected value of type 'IdentifierInput!' not to"
            f" include unknown field '{PERSONAL}', found: {{}}.",
            "Variable '$i' has invalid value: Expected value of type 'IdentifierInput!' not to"
            " include unknown field '...'.",
        ),
        (
            f"Expected value of type 'X', but encountered error '{PERSONAL}'; found: 12.",
            "Expected value of type 'X'.",
        ),
        (
            f'Syntax Error: Expected Name, found String "{PERSONAL}".',
            "Syntax Error: Expected Name, found String.",
        ),
        # Names, types, directives, paths and single characters stay.
        (
            "Cannot query field 'nope' on type 'Query'.",
            "Cannot query field 'nope' on type 'Query'.",
        ),
        (
            "The directive '@include' can only be used once at this location.",
            "The directive '@include' can only be used once at this location.",
        ),
        ("Syntax Error: Unexpected character: '.'.", "Syntax Error: Unexpected character: '.'."),
    ],
)
def test_values_are_left_out_and_the_problem_stays(message: str, expected: str) -> None:
    assert without_values(message) == expected


async def test_a_variable_of_the_wrong_type_is_named_not_masked() -> None:
    schema = build_schema()
    query = "query($l:Int!){erasures(limit:$l){id}}"
    result = await schema.execute(query, variable_values={"l": PERSONAL})
    assert result.errors is not None
    message = result.errors[0].message
    assert message == "Variable '$l' has invalid value: Int cannot represent non-integer value."
    literal = await schema.execute('{erasures(limit:"' + PERSONAL + '"){id}}')
    assert literal.errors is not None and PERSONAL not in literal.errors[0].message
