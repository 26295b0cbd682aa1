"""Request bodies that routes read themselves (JSON, or multipart `metadata` + `media`)
documented as the pydantic models they are parsed with: each such route names its model in
`body_doc(Model)`, and `install(app)` puts every named model into the OpenAPI components."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

REF = "#/components/schemas/{model}"
_MODELS: dict[str, type[BaseModel]] = {}


def body_doc(model: type[BaseModel], media_help: str) -> dict[str, Any]:
    """`openapi_extra` for a route taking `model` as JSON, or as multipart with the same
    JSON in the `metadata` field and a file in `media`."""
    _MODELS[model.__name__] = model
    ref = {"$ref": REF.format(model=model.__name__)}
    multipart = {
        "type": "object",
        "properties": {
            "metadata": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": ref,
                "description": f"the JSON body ({model.__name__}), as text",
            },
            "media": {"type": "string", "format": "binary", "description": media_help},
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ref},
                "multipart/form-data": {
                    "schema": multipart,
                    "encoding": {"metadata": {"contentType": "application/json"}},
                },
            },
        }
    }


def install(app: FastAPI) -> None:
    """Add the named models (and the models they use) to the app's OpenAPI components."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = plain()
        found = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in _MODELS.items():
            body = model.model_json_schema(ref_template=REF)
            for inner, definition in body.pop("$defs", {}).items():
                found.setdefault(inner, definition)
            found[name] = body
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
