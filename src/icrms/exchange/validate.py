"""Check a bundle's objects: STIX 2.1 with the ``stix2`` library, icrms's types with their JSON Schema.

The ``stix2`` classes of icrms's types are generated from the JSON Schema, so the two cannot
drift apart: ``stix2`` checks the STIX rules (ids, timestamps, references, extensions), the schema
checks what icrms adds (enums, patterns, nested shapes). TLP markings must be the official
TLP 2.0 objects, and every object other than a marking or extension definition carries exactly one.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema_rs
import stix2
from stix2 import properties as props
from stix2.v21 import CustomExtension, CustomObject

from icrms.errors import ValidationError
from icrms.exchange import stix
from icrms.profiles.rules import CriterionError, parse_criterion

_UNMARKED = {"marking-definition", "extension-definition"}


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    defs = stix.json_schema()["$defs"]
    while "$ref" in spec:
        spec = defs[spec["$ref"].rsplit("/", 1)[1]]
    return spec


def _reference(required: bool = False) -> props.Property:
    return props.ReferenceProperty(invalid_types=["bundle"], spec_version="2.1", required=required)


def _prop(name: str, spec: dict[str, Any], required: bool) -> props.Property:
    if name.endswith("_ref"):
        return _reference(required)
    if name.endswith("_refs"):
        return props.ListProperty(_reference(), required=required)
    spec = _resolve(spec)
    kind = spec.get("type", "string")
    if kind == "integer":
        return props.IntegerProperty(required=required)
    if kind == "number":
        return props.FloatProperty(required=required)
    if kind == "boolean":
        return props.BooleanProperty(required=required)
    if kind == "object":
        return props.DictionaryProperty(required=required)
    if kind == "array":
        item = _resolve(spec.get("items", {}))
        inner: props.Property = (
            props.DictionaryProperty() if item.get("type") == "object" else props.StringProperty()
        )
        return props.ListProperty(inner, required=required)
    return props.StringProperty(required=required)


def _properties(name: str) -> list[tuple[str, props.Property]]:
    spec = stix.json_schema()["$defs"][name]
    required = set(spec.get("required", []))
    return [(key, _prop(key, value, key in required)) for key, value in spec["properties"].items()]


@cache
def _known_definitions() -> list[dict[str, Any]]:
    return stix.extension_definitions()


@cache
def register() -> None:
    """Register icrms's new object types and property extensions with ``stix2`` (once)."""
    TlpExtension = type("TlpExtension", (), {"extension_type": "property-extension"})
    CustomExtension(
        stix.TLP_EXTENSION,
        [("tlp_2_0", props.EnumProperty(list(stix.TLP_LEVELS), required=True))],
    )(TlpExtension)
    for name, (ext_id, stix_type) in stix.EXTENSIONS.items():
        spec = stix.json_schema()["$defs"][name]
        cls_name = "".join(part.title() for part in name.split("-"))
        if spec["extension_type"] == "new-sdo":
            CustomObject(stix_type, _properties(name), extension_name=ext_id)(
                type(cls_name, (), {})
            )
        else:
            CustomExtension(ext_id, _properties(name))(
                type(cls_name, (), {"extension_type": "property-extension"})
            )


@cache
def _validator(name: str) -> jsonschema_rs.Draft202012Validator:
    schema = stix.json_schema()
    spec = schema["$defs"][name]
    if spec["extension_type"] == "new-sdo":
        ext_id, stix_type = stix.EXTENSIONS[name]
        body: dict[str, Any] = {
            "allOf": [{"$ref": "#/$defs/sdo_common"}, {"$ref": f"#/$defs/{name}"}],
            "properties": {
                "type": {"const": stix_type},
                "extensions": {
                    "type": "object",
                    "required": [ext_id],
                    "additionalProperties": False,
                    "properties": {ext_id: {"const": {"extension_type": "new-sdo"}}},
                },
            },
            "unevaluatedProperties": False,
        }
    else:
        body = {
            "allOf": [{"$ref": f"#/$defs/{name}"}],
            "properties": {"extension_type": {"const": "property-extension"}},
            "unevaluatedProperties": False,
        }
    return jsonschema_rs.Draft202012Validator({**body, "$defs": schema["$defs"]})


def _schema_errors(name: str, value: dict[str, Any], where: str) -> None:
    # the deepest error names the field; "unevaluated" errors on the object only echo it
    errors = sorted(
        _validator(name).iter_errors(value),
        key=lambda e: (-len(e.instance_path), e.message.startswith("Unevaluated")),
    )
    if errors:
        error = errors[0]
        path = ".".join(str(p) for p in error.instance_path) or "(object)"
        raise ValidationError(f"{where}.{path}", error.instance, error.message)


_TYPE_EXTENSIONS = {
    stix_type: name
    for name, (_ext, stix_type) in stix.EXTENSIONS.items()
    if stix.json_schema()["$defs"][name]["extension_type"] == "new-sdo"
}
_PROPERTY_EXTENSIONS = {
    ext: name
    for name, (ext, _type) in stix.EXTENSIONS.items()
    if stix.json_schema()["$defs"][name]["extension_type"] == "property-extension"
}


def check_object(obj: dict[str, Any]) -> None:
    """Check one object's icrms parts and its TLP marking (``stix2`` checks the rest)."""
    where = str(obj.get("id", "object"))
    kind = obj.get("type")
    if kind == "marking-definition":
        level = stix.TLP_BY_ID.get(str(obj.get("id")))
        if level is None or obj != stix.tlp_marking(level):
            raise ValidationError(
                where, obj.get("name"), "only the official TLP 2.0 marking definitions are accepted"
            )
        return
    if kind == "extension-definition":
        if obj not in _known_definitions():
            raise ValidationError(where, obj.get("name"), "unknown extension definition")
        return
    if stix.tlp_of(obj) is None:
        raise ValidationError(
            f"{where}.object_marking_refs",
            obj.get("object_marking_refs"),
            "every object carries exactly one TLP 2.0 marking",
        )
    if kind in _TYPE_EXTENSIONS:
        _schema_errors(_TYPE_EXTENSIONS[kind], obj, where)
    for ext_id, value in (obj.get("extensions") or {}).items():
        if ext_id in _PROPERTY_EXTENSIONS:
            _schema_errors(_PROPERTY_EXTENSIONS[ext_id], value, f"{where}.extensions")
    if kind == "indicator" and obj.get("pattern_type") == stix.PATTERN_TYPE:
        _check_criterion(obj, where)


def _check_criterion(obj: dict[str, Any], where: str) -> None:
    if stix.EXT["risk-indicator"] not in (obj.get("extensions") or {}):
        raise ValidationError(
            f"{where}.extensions",
            None,
            "an icrms-rule indicator carries the risk-indicator extension",
        )
    try:
        parse_criterion(str(obj["pattern"]))
    except CriterionError as exc:
        raise ValidationError(f"{where}.pattern", obj["pattern"], str(exc)) from exc


def check_bundle(bundle: dict[str, Any]) -> None:
    """Check a whole bundle; the first problem found is raised, naming the object and field."""
    register()
    objects = bundle.get("objects")
    if bundle.get("type") != "bundle" or not isinstance(objects, list):
        raise ValidationError("bundle", bundle.get("type"), "not a STIX bundle with objects")
    for obj in objects:
        if not isinstance(obj, dict):
            raise ValidationError(
                "bundle.objects", type(obj).__name__, "objects must be JSON objects"
            )
        check_object(obj)
    # markings and extension definitions were compared with the official objects above
    rest = [o for o in objects if o.get("type") not in _UNMARKED]
    try:
        stix2.parse(json.dumps({**bundle, "objects": rest}), allow_custom=False)
    except (stix2.exceptions.STIXError, ValueError) as exc:
        raise ValidationError("bundle", bundle.get("id"), f"not valid STIX 2.1: {exc}") from exc
