"""Every refusal the code raises speaks zh-CN to the clerk and English to the developer.

Read from the source (every `raise DomainError(...)`, `NotFound(...)`, `Forbidden(...)` in the
package), so a refusal added later without its zh-CN text fails here, not in front of a clerk.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import exec_center
from exec_center.domain.errors import DomainError, ErrorCode, Forbidden, NotFound

PACKAGE = Path(exec_center.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _literal_text(node: ast.expr) -> str | None:
    """The constant text of a string literal or f-string; None for other expressions."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def _calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "DomainError", "NotFound", "Forbidden"
            ):
                found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", node))
    return found


CALLS = _calls()


def test_the_source_raises_refusals():
    assert len(CALLS) > 100


@pytest.mark.parametrize(("where", "call"), CALLS, ids=[where for where, _ in CALLS])
def test_each_refusal_has_zh_cn_and_english(where, call):
    keywords = {k.arg: k.value for k in call.keywords}
    name = call.func.id
    if name == "NotFound":
        assert len(call.args) == 2, f"{where}: NotFound(what, zh_what)"
        english, zh = call.args
    elif name == "Forbidden" and not call.args and "zh" not in keywords:
        return  # the default text, in both languages
    else:
        assert call.args and "zh" in keywords, f"{where}: {name}(english, zh=...)"
        english, zh = call.args[0], keywords["zh"]
    english_text, zh_text = _literal_text(english), _literal_text(zh)
    if zh_text is not None:
        assert CJK.search(zh_text), f"{where}: the zh text has no Chinese: {zh_text!r}"
    if english_text is not None:
        assert not CJK.search(english_text), f"{where}: the English text holds Chinese: {english_text!r}"


def test_refusals_keep_both_texts():
    error = DomainError("claimAmount must be positive", zh="申请执行标的额须大于零",
                        field="claimAmount", code=ErrorCode.OUT_OF_RANGE)
    assert str(error) == "claimAmount must be positive"
    moved = error.at("input.claimAmount")
    assert (moved.zh, moved.message, moved.field, moved.code) == (
        error.zh, error.message, "input.claimAmount", ErrorCode.OUT_OF_RANGE)
    assert NotFound("case", "案件").zh == "案件不存在或无权查看"
    assert Forbidden().code is ErrorCode.FORBIDDEN and CJK.search(Forbidden().zh)


def test_every_code_has_a_meaning_and_a_label():
    from exec_center.domain.errors import ERROR_CODE_MEANINGS

    assert set(ERROR_CODE_MEANINGS) == set(ErrorCode)
    assert all(CJK.search(code.label) for code in ErrorCode)
