"""Domain errors with stable codes and Chinese messages; the API layer maps them to HTTP statuses."""


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    code = "domain_error"
    message = "操作无法完成。"

    def __init__(self, code: str | None = None, message: str | None = None, fields: dict | None = None):
        self.code = code or self.code
        self.message = message or self.message
        self.fields = fields
        super().__init__(self.code)


class NotFound(DomainError):
    """The record does not exist, or is outside the caller's scope (never reveal which)."""

    code = "not_found"
    message = "记录不存在。"


class Unauthorized(DomainError):
    """The caller is not who they claim (bad credentials)."""

    code = "unauthorized"
    message = "身份验证失败。"


class Forbidden(DomainError):
    """The caller's role may not do this."""

    code = "forbidden"
    message = "无权执行此操作。"


class Conflict(DomainError):
    """The record already exists or changed under the caller."""

    code = "conflict"
    message = "操作与当前数据冲突。"


class InvalidTransition(Conflict):
    """The record's state does not allow this step."""

    code = "invalid_transition"
    message = "当前状态不允许此操作。"


class RuleViolation(DomainError):
    """The request is well formed but breaks a rule (422)."""

    code = "rule_violation"
    message = "不符合规定。"

    @classmethod
    def on(cls, field: str, message: str, code: str = "invalid_value") -> "RuleViolation":
        """A violation about one field, named in the envelope's `fields`."""
        return cls(code, message, {field: [message]})


class TooManyRequests(DomainError):
    """The caller, or an outside service on its behalf, is over a rate limit (429)."""

    code = "rate_limited"
    message = "请求过于频繁，请稍后再试。"
    retry_after: int | None = None  # seconds, when known (the Retry-After header)


class AccountLocked(TooManyRequests):
    """Too many bad passwords for one username: sign-in is refused for `retry_after` seconds (429)."""

    code = "account_locked"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message=message)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """An outside service we depend on (WeChat) did not answer usably."""

    code = "service_unavailable"
    message = "外部服务暂时不可用，请稍后重试。"
