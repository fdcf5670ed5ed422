"""Domain errors: refusals a person can act on. The API turns them into `userErrors`.

Every refusal is written twice where it is raised: in zh-CN, the court's language, which the
clerk reads, and in English, for logs and developers. Both sit side by side on purpose: the
centre works in one language, the English is its developers' reference, and a message composed
of parts (an illegal step with the steps allowed now) is composed once in each language instead
of being pieced together from a catalogue. `tests/unit/test_error_messages.py` checks that every
refusal in the code has both.

Codes (the `UserErrorCode` enum of the schema; the README has the table):
"""

from __future__ import annotations

from .labels import LabelledEnum


class ErrorCode(LabelledEnum):
    # What was typed cannot be read, or is missing.
    REQUIRED = "REQUIRED", "必填项未填写"
    BAD_FORMAT = "BAD_FORMAT", "格式不正确"
    OUT_OF_RANGE = "OUT_OF_RANGE", "超出允许范围"
    INVALID = "INVALID", "输入不符合规则"
    # The object named does not exist (or is not visible), or the viewer may not do this.
    NOT_FOUND = "NOT_FOUND", "对象不存在"
    FORBIDDEN = "FORBIDDEN", "无权执行此操作"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "用户名或密码错误"
    # The state of things does not allow it.
    NOT_ALLOWED_IN_STAGE = "NOT_ALLOWED_IN_STAGE", "案件或事项当前所处阶段不允许此操作"
    NOT_ALLOWED = "NOT_ALLOWED", "当前情况不允许此操作"
    ALREADY_EXISTS = "ALREADY_EXISTS", "已存在"
    DUPLICATE = "DUPLICATE", "与未结案件重复"
    ALREADY_CLAIMED = "ALREADY_CLAIMED", "已被他人领取"
    ALREADY_DONE = "ALREADY_DONE", "已办理，无需重复操作"
    STALE = "STALE", "数据已被他人修改，请刷新后重试"
    # Too many tries.
    RATE_LIMITED = "RATE_LIMITED", "操作过于频繁"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS", "登录失败次数过多，请稍后再试"


ERROR_CODE_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.REQUIRED: "a required field is empty",
    ErrorCode.BAD_FORMAT: "the field cannot be read as what it must be (an amount, a date, a case "
    "number, an ID number, a phone number)",
    ErrorCode.OUT_OF_RANGE: "the field is read but outside what is allowed (too long, too large, "
    "not positive, a date too early or in the future)",
    ErrorCode.INVALID: "the field breaks another rule; the message says which",
    ErrorCode.NOT_FOUND: "the object named does not exist, or the viewer may not see it",
    ErrorCode.FORBIDDEN: "the viewer's roles, team or window do not allow this",
    ErrorCode.INVALID_CREDENTIALS: "user name or password wrong (never which)",
    ErrorCode.NOT_ALLOWED_IN_STAGE: "the case's stage (or the item's, request's, message's status) "
    "does not allow this step now; the message lists what is allowed",
    ErrorCode.NOT_ALLOWED: "the state of things forbids it (not a stage): e.g. revoking one's own "
    "administrator role",
    ErrorCode.ALREADY_EXISTS: "an object with this unique name or key exists",
    ErrorCode.DUPLICATE: "an open case with the same title and respondent exists (Art. 8)",
    ErrorCode.ALREADY_CLAIMED: "someone else claimed the work item first",
    ErrorCode.ALREADY_DONE: "it was done already (by this or another request)",
    ErrorCode.STALE: "the object changed since it was read (expectedVersion); read it again",
    ErrorCode.RATE_LIMITED: "too many of these in a short time; see retryAfterSeconds",
    ErrorCode.TOO_MANY_ATTEMPTS: "too many failed sign-ins; see retryAfterSeconds",
}


class DomainError(Exception):
    """A business refusal: nothing is changed, the caller is told what is allowed.

    `message` is the English text (logs, developers, `str(error)`); `zh` the clerk's text."""

    def __init__(
        self,
        message: str,
        *,
        zh: str,
        field: str | None = None,
        code: ErrorCode = ErrorCode.INVALID,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.zh = zh
        self.field = field
        self.code = code
        # Whole seconds before the same attempt may be made again (throttled refusals).
        self.retry_after = retry_after

    def at(self, field: str | None, code: ErrorCode | None = None) -> DomainError:
        """The same refusal about another field (a nested check re-raised by its caller)."""
        return DomainError(self.message, zh=self.zh, field=field, code=code or self.code,
                           retry_after=self.retry_after)


class NotFound(DomainError):
    """`what` names the object in English, `zh_what` in zh-CN: NotFound("case", "案件")."""

    def __init__(self, what: str, zh_what: str, *, field: str | None = "id") -> None:
        super().__init__(f"{what} not found", zh=f"{zh_what}不存在或无权查看", field=field,
                         code=ErrorCode.NOT_FOUND)


class Forbidden(DomainError):
    def __init__(
        self,
        message: str = "your roles do not allow this operation",
        *,
        zh: str = "您的角色无权执行此操作",
        field: str | None = None,
    ) -> None:
        super().__init__(message, zh=zh, field=field, code=ErrorCode.FORBIDDEN)
