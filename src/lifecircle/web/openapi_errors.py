"""The OpenAPI document says what the API really answers on a bad request (HTTP 422): the
Chinese ``detail`` text and the list of fields, not FastAPI's default shape."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

VALIDATION_ERROR: dict[str, Any] = {
    "title": "请求有误",
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string", "title": "说明"},
        "errors": {
            "type": "array",
            "title": "逐项",
            "items": {
                "type": "object",
                "required": ["field", "detail"],
                "properties": {
                    "field": {"type": "string", "title": "字段"},
                    "detail": {"type": "string", "title": "问题"},
                },
            },
        },
    },
}


def document_errors(app: FastAPI) -> None:
    """Replace the document's ``HTTPValidationError`` schema with the answer ``app`` gives."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            schemas = doc.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = VALIDATION_ERROR
                schemas.pop("ValidationError", None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
