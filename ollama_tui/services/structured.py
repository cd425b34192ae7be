"""Provides the check of a structured reply: parsed, pretty-printed and validated against the
JSON schema it was asked for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..domain.quantities import count_of

MAX_LISTED_ERRORS = 3


@dataclass(frozen=True)
class StructuredCheck:
    """What a reply asked for as JSON turned out to be."""

    pretty: str | None
    """The reply indented, or None when it is not JSON."""
    problems: list[str] = field(default_factory=list)
    """Empty when the reply is JSON (and matches the schema, when there is one)."""
    schema: bool = False
    """Whether a schema was checked, rather than only JSON syntax."""

    @property
    def valid(self) -> bool:
        return self.pretty is not None and not self.problems

    def summary(self) -> str:
        """One line for under the reply."""
        if self.valid:
            return "✓ valid JSON, matches the schema" if self.schema else "✓ valid JSON"
        if self.pretty is None:
            return f"✕ {self.problems[0]}"
        shown = "; ".join(self.problems[:MAX_LISTED_ERRORS])
        more = len(self.problems) - MAX_LISTED_ERRORS
        tail = f" (and {more} more)" if more > 0 else ""
        return f"✕ {count_of(len(self.problems), 'schema error')}: {shown}{tail}"


def _path(parts: Any) -> str:
    """A JSON path like `$.items[2].name` for an error's location."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def schema_problem(schema: dict[str, Any]) -> str | None:
    """Where a JSON Schema is itself wrong, or None when it can be used."""
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "the top"
        return f"at {where}: {error.message}"
    return None


def check_structured_reply(text: str, format: str | dict[str, Any]) -> StructuredCheck:
    """Parse `text` as JSON and, when `format` is a schema, validate it, errors by path."""
    try:
        value = json.loads(text)
    except ValueError as error:
        return StructuredCheck(None, [f"not valid JSON: {error}"], schema=isinstance(format, dict))
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    if not isinstance(format, dict):
        return StructuredCheck(pretty)
    from jsonschema.validators import validator_for

    if problem := schema_problem(format):
        # Only a hand-edited file gets here: the settings refuse a broken schema.
        return StructuredCheck(pretty, [f"the schema itself is invalid {problem}"], True)
    validator = validator_for(format)(format)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [f"{_path(error.absolute_path)}: {error.message}" for error in errors]
    return StructuredCheck(pretty, problems, schema=True)
