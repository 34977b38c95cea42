"""The one JSON error envelope, for every status ≥ 400, whatever raised it."""

import logging

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from correction import errors as domain

log = logging.getLogger(__name__)

_STATUS_OF = {
    domain.RuleViolation: 422, domain.Unauthorized: 401, domain.Forbidden: 403, domain.NotFound: 404,
    domain.Conflict: 409, domain.TooManyRequests: 429, domain.ServiceUnavailable: 503,
}
# For HTTP errors raised by Flask, werkzeug or webargs: (code, Chinese message).
_HTTP = {
    400: ("bad_request", "请求格式错误。"),
    401: ("unauthorized", "未登录或登录已失效。"),
    403: ("forbidden", "无权执行此操作。"),
    404: ("not_found", "资源不存在。"),
    405: ("method_not_allowed", "不支持此请求方法。"),
    409: ("conflict", "操作与当前数据冲突。"),
    413: ("payload_too_large", "请求体过大。"),
    415: ("unsupported_media_type", "不支持的请求体格式。"),
    422: ("validation_failed", "提交的数据未通过校验。"),
    429: ("rate_limited", "请求过于频繁，请稍后再试。"),
    503: ("service_unavailable", "服务暂时不可用，请稍后重试。"),
}


def envelope(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    """A Flask response in the contract's error envelope."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status, headers or {}


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs' {"json": {"home": {"lat": [..]}}} becomes {"home.lat": [..]}; lists of messages stay lists."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        # A nested object's own errors (`home._schema`) belong to the field that holds it (`home`).
        name = (prefix or "_schema") if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and prefix == "" and key in ("json", "query", "headers", "path", "files", "form"):
            out.update(_flatten(value))
        else:
            out.update(_flatten(value, name))
    return out


def handle_http_exception(error: HTTPException):
    """Flask/werkzeug/webargs errors, including routing 404/405 and 413 from MAX_CONTENT_LENGTH."""
    status = error.code or 500
    if status == 500:
        return handle_internal_error(error)
    code, message = _HTTP.get(status, ("http_error", "请求无法处理。"))
    data = getattr(error, "data", None) or {}
    fields = None
    if status == 422 and "messages" in data:
        fields = _flatten(data["messages"])
    if status == 400 and "Invalid JSON body." in str(data.get("messages", "")):
        code, message = "malformed_json", "请求体不是有效的 JSON。"
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return envelope(status, code, message, fields, headers)


def handle_domain_error(error: domain.DomainError):
    status = next((s for cls, s in _STATUS_OF.items() if isinstance(error, cls)), 400)
    retry_after = getattr(error, "retry_after", None)
    return envelope(status, error.code, error.message, error.fields,
                    {"Retry-After": str(retry_after)} if retry_after else None)


def handle_internal_error(error):
    """Unhandled exceptions: Flask has logged the traceback; the client gets no detail."""
    return envelope(500, "internal_error", "服务器内部错误，请稍后重试。")


def limit_bodies() -> None:
    """Apply the view's own body limit (`routes.body_limit`), then refuse a chunked body (no Content-Length) at the
    limit: werkzeug would cut it there without an error, so an oversized body is always a 413, never truncated."""
    view_limit = getattr(current_app.view_functions.get(request.endpoint), "body_limit", None)
    if view_limit is not None:
        request.max_content_length = view_limit()
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        limit = request.max_content_length
        if limit is not None and len(request.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()


def register(app: Flask) -> None:
    app.before_request(limit_bodies)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(domain.DomainError, handle_domain_error)
