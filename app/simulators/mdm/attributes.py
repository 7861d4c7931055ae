"""Custom device attributes: the payloads the provider accepts and how each call changes them.

An attribute maps a name to a list of string values, `{"attrs": {"cityid": ["SF"]}}`. A name
ending in `_#` is numeric: its values must parse as numbers. Names compare case-insensitively
(the document's search for `CFDEVICE[cityId]` finds the attribute stored as `cityid`); a name is
kept as first written.

- POST replaces every attribute with the payload's;
- PATCH updates (`forceOverwrite` true, the default) or appends to (false) the named attributes,
  adds missing ones and keeps the others;
- DELETE removes the named attributes (their values in the payload are ignored), either per
  device (`{"attrs": {...}}`) or for several devices (`{"ids": [...], "attrKeys": [...]}`).
"""

from collections.abc import Iterable
from typing import Any

import orjson
from starlette.requests import Request

from app.simulators.mdm.errors import ApiError, bad_field

NUMERIC_SUFFIX = "_#"
Attrs = dict[str, list[str]]


async def json_body(request: Request) -> Any:
    """The request's JSON body, whatever its content type (the document sends `text/plain`)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "Could not read the request body: malformed JSON") from None


def _value(name: str, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise bad_field(f"attrs[{name}]", "TypeMismatch", "values must be strings or numbers")
    text = str(raw).strip()
    if name.endswith(NUMERIC_SUFFIX):
        try:
            float(text)
        except ValueError:
            raise bad_field(f"attrs[{name}]", "NumberFormat", f"{text!r} is not a number") from None
    return text


def parse_attrs(body: Any) -> Attrs:
    """The `attrs` map of a POST / PATCH / per-device DELETE body (400 when malformed)."""
    attrs = body.get("attrs") if isinstance(body, dict) else None
    if not isinstance(attrs, dict):
        raise bad_field("attrs", "NotNull", "attrs must be an object of attribute -> [values]")
    parsed: Attrs = {}
    for raw_name, raw_values in attrs.items():
        name = str(raw_name).strip()
        if not name or name == NUMERIC_SUFFIX:
            raise bad_field("attrs", "NotBlank", "attribute names may not be blank")
        values = raw_values if isinstance(raw_values, list) else [raw_values]
        parsed[name] = [_value(name, value) for value in values if value is not None]
    return parsed


def force_overwrite(body: Any) -> bool:
    raw = body.get("forceOverwrite", True) if isinstance(body, dict) else True
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_field("forceOverwrite", "TypeMismatch", "forceOverwrite must be true or false")


def _key(attrs: Attrs, name: str) -> str | None:
    folded = name.casefold()
    return next((key for key in attrs if key.casefold() == folded), None)


def replace(new: Attrs) -> Attrs:
    """POST: the payload's attributes, and nothing else."""
    result: Attrs = {}
    for name, values in new.items():
        result[_key(result, name) or name] = list(values)
    return result


def patch(current: Attrs, new: Attrs, overwrite: bool) -> Attrs:
    """PATCH: update or append the named attributes, add the missing ones, keep the rest."""
    result = {name: list(values) for name, values in current.items()}
    for name, values in new.items():
        key = _key(result, name)
        if key is None:
            result[name] = list(values)
        elif overwrite:
            result[key] = list(values)
        else:
            result[key].extend(value for value in values if value not in result[key])
    return result


def remove(current: Attrs, names: Iterable[str]) -> Attrs:
    """DELETE: drop the named attributes (case-insensitively); unknown names are ignored."""
    dropped = {name.strip().casefold() for name in names}
    return {name: values for name, values in current.items() if name.casefold() not in dropped}


def bulk_removal(body: Any) -> tuple[list[str], list[str]]:
    """The device ids and attribute names of `DELETE /api/v1/device/customattributes`."""
    if not isinstance(body, dict):
        raise bad_field("ids", "NotNull", 'the body must be {"ids": [...], "attrKeys": [...]}')
    ids, keys = body.get("ids"), body.get("attrKeys")
    if not isinstance(ids, list) or not ids:
        raise bad_field("ids", "NotEmpty", "ids must be a non-empty list of device ids")
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise bad_field("attrKeys", "NotNull", "attrKeys must be a list of attribute names")
    return [str(device_id).strip() for device_id in ids], list(keys)


def removal_names(body: Any) -> list[str]:
    """The attribute names of a per-device DELETE: the keys of `attrs` (or `attrKeys`)."""
    if isinstance(body, dict) and isinstance(body.get("attrKeys"), list):
        return [str(key) for key in body["attrKeys"]]
    return list(parse_attrs(body))
