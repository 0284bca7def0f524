"""The JSON Schema of a value that may be a constant or a distribution, by its kind.

Editors that read JSON Schema (YAML language servers) then validate and complete scenario
files: a number, or a one-key mapping naming a distribution form with its arguments. The
forms and what each takes are those of ``sim.model.distributions``; a count takes only the
integer forms and whole numbers, a probability only numbers in [0, 1].
"""

from __future__ import annotations

from typing import Any

from sim.model.distributions import FORM_CLASSES, Kind

_PAIR = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
_INT_PAIR = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
ARGUMENTS: dict[str, dict[str, Any]] = {
    "uniform": {**_PAIR, "description": "[a, b]"},
    "normal": {**_PAIR, "description": "[mean, sd]"},
    "lognormal": {**_PAIR, "description": "[median, sigma]"},
    "triangular": {
        "type": "array",
        "items": {"type": "number"},
        "minItems": 3,
        "maxItems": 3,
        "description": "[low, mode, high]",
    },
    "uniform_int": {**_INT_PAIR, "description": "[a, b], both included"},
    "poisson": {"type": "number", "minimum": 0, "description": "the mean"},
    "choice": {
        "type": "object",
        "properties": {
            "values": {"type": "array", "items": {"type": "number"}, "minItems": 1},
            "weights": {"type": "array", "items": {"type": "number", "minimum": 0}},
        },
        "required": ["values"],
        "additionalProperties": False,
    },
    "beta": {**_PAIR, "description": "[a, b], the two shapes"},
}


def _form_schema(form: str) -> dict[str, Any]:
    doc = (FORM_CLASSES[form].__doc__ or form).strip().splitlines()[0]
    return {
        "type": "object",
        "title": form,
        "description": doc.replace("``", ""),
        "properties": {form: ARGUMENTS[form]},
        "required": [form],
        "additionalProperties": False,
    }


def value_schema(kind: Kind) -> dict[str, Any]:
    """A constant of the kind or a distribution form that the kind takes."""
    constant: dict[str, Any] = {"type": "integer" if kind == "count" else "number"}
    if kind in ("duration", "count"):
        constant["minimum"] = 0
    if kind == "probability":
        constant.update(minimum=0, maximum=1)
    forms = [
        f for f, cls in FORM_CLASSES.items() if f in ARGUMENTS and (kind != "count" or cls.integer)
    ]
    what = {
        "real": "a number, or a distribution",
        "duration": "a non-negative number (seconds or metres), or a distribution",
        "probability": "a probability in [0, 1], or a distribution on [0, 1]",
        "count": "a whole number, or an integer distribution",
    }[kind]
    return {"description": what, "anyOf": [constant, *(_form_schema(f) for f in forms)]}


KINDS: tuple[Kind, ...] = ("real", "duration", "probability", "count")


def shared_values(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with each value schema written once, into ``defs``, and referenced
    (``{"$ref": "#/$defs/duration-value"}``) where pydantic inlined it (beside a field's
    title and default, which stay)."""
    if isinstance(schema, list):
        return [shared_values(v, defs) for v in schema]
    if not isinstance(schema, dict):
        return schema
    for kind in KINDS:
        value = value_schema(kind)
        if all(schema.get(k) == v for k, v in value.items()):
            defs[f"{kind}-value"] = value
            rest = {k: v for k, v in schema.items() if k not in value}
            return {"$ref": f"#/$defs/{kind}-value", **rest}
    return {k: shared_values(v, defs) for k, v in schema.items()}
