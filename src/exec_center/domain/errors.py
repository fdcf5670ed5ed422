"""Domain errors: refusals a person can act on. The API turns them into `userErrors`."""

from __future__ import annotations

from .labels import LabelledEnum


class ErrorCode(LabelledEnum):
    INVALID = "INVALID", "输入不符合要求"
    NOT_FOUND = "NOT_FOUND", "对象不存在"
    FORBIDDEN = "FORBIDDEN", "无权执行此操作"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "用户名或密码错误"
    ALREADY_EXISTS = "ALREADY_EXISTS", "已存在"
    ALREADY_CLAIMED = "ALREADY_CLAIMED", "已被他人领取"
    STALE = "STALE", "数据已被他人修改"
    NOT_ALLOWED = "NOT_ALLOWED", "当前状态不允许此操作"
    RATE_LIMITED = "RATE_LIMITED", "尝试次数过多"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS", "登录失败次数过多，请稍后再试"
    DUPLICATE = "DUPLICATE", "与未结案件重复"


class DomainError(Exception):
    """A business refusal: nothing is changed, the caller is told what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: ErrorCode = ErrorCode.INVALID,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        # Whole seconds before the same attempt may be made again (throttled refusals).
        self.retry_after = retry_after


class NotFound(DomainError):
    def __init__(self, what: str, *, field: str | None = "id") -> None:
        super().__init__(f"{what} not found", field=field, code=ErrorCode.NOT_FOUND)


class Forbidden(DomainError):
    def __init__(
        self, message: str = "your roles do not allow this operation", *, field: str | None = None
    ) -> None:
        super().__init__(message, field=field, code=ErrorCode.FORBIDDEN)
