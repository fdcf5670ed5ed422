"""History entries are read by court staff: every summary the services write is in zh-CN.

The source check reads each services module (ast) and follows every summary to its literal parts
(`uow.audit`'s summary, `advance`'s detail, a work item's `summary=` callable, the reasons and
notes that end up in a summary): a literal part with Latin letters must carry Chinese text too,
so an English-only summary cannot come back. The API check takes a case through its first steps
and reads the history a clerk sees."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "src" / "exec_center" / "services"
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Callee name -> (position, keyword) of the argument that becomes (part of) a history summary.
SUMMARY_ARGUMENTS = {
    "audit": (3, "summary"),
    "advance": (None, "detail"),
    "audit_disclosures": (4, "summary"),
    "cancel_deadline": (2, "reason"),
    "cancel_for_case": (3, "reason"),
    "_back_to_clerk": (2, "why"),
}


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


class _Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.functions = {
            n.name: n for n in self.tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def enclosing_function(self, node: ast.AST) -> ast.AST | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def literal_parts(self, node: ast.AST | None, seen: set[int] | None = None) -> list[str]:
        """The string literals an expression builds its text from (format specs left out)."""
        seen = set() if seen is None else seen
        if node is None or id(node) in seen:
            return []
        seen.add(id(node))
        parts = lambda *nodes: [p for n in nodes for p in self.literal_parts(n, seen)]  # noqa: E731
        match node:
            case ast.Constant(value=str() as text):
                return [text]
            case ast.JoinedStr(values=values):
                return parts(*values)
            case ast.FormattedValue(value=value):
                return parts(value)
            case ast.BinOp(left=left, right=right):
                return parts(left, right)
            case ast.IfExp(body=body, orelse=orelse):
                return parts(body, orelse)
            case ast.BoolOp(values=values):
                return parts(*values)
            case ast.Subscript(value=value):
                return parts(value)
            case ast.Lambda(body=body):
                return parts(body)
            case ast.Call(func=ast.Attribute(value=value)):  # "…".strip(), f"…"[:500]
                return parts(value)
            case ast.Call(func=ast.Name(id=name)) if name in self.functions:
                returns = [r.value for r in ast.walk(self.functions[name]) if isinstance(r, ast.Return)]
                return parts(*returns)
            case ast.Name(id=name):
                function = self.enclosing_function(node)
                if function is None:
                    return []
                values = [
                    a.value
                    for a in ast.walk(function)
                    if (isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in a.targets))
                    or (isinstance(a, ast.AugAssign | ast.AnnAssign) and isinstance(a.target, ast.Name)
                        and a.target.id == name)
                ]
                return parts(*values)
        return []

    def summaries(self) -> list[tuple[int, ast.AST]]:
        """(line, expression) of each argument that becomes a history summary."""
        found: list[tuple[int, ast.AST]] = []
        for call in (n for n in ast.walk(self.tree) if isinstance(n, ast.Call)):
            name = _callee(call)
            for keyword in call.keywords:
                if keyword.arg == "summary" and name != "AdjudicationApplication":
                    found.append((call.lineno, keyword.value))
            if name not in SUMMARY_ARGUMENTS:
                continue
            position, keyword_name = SUMMARY_ARGUMENTS[name]
            if position is not None and len(call.args) > position:
                found.append((call.lineno, call.args[position]))
            found += [(call.lineno, k.value) for k in call.keywords if k.arg == keyword_name and k.arg != "summary"]
        return found


def _english_literals(directory: Path = SERVICES) -> tuple[int, list[str]]:
    checked, offending = 0, []
    for path in sorted(directory.glob("*.py")):
        module = _Module(path)
        for line, expression in module.summaries():
            for part in module.literal_parts(expression):
                checked += 1
                if LATIN.search(part) and not CJK.search(part):
                    offending.append(f"{path.name}:{line}: {part!r}")
    return checked, offending


def test_every_history_summary_the_services_write_is_in_chinese() -> None:
    checked, offending = _english_literals()
    assert checked > 100, checked  # the walk found the summaries (not vacuously true)
    assert offending == [], "\n".join(offending)


def test_the_check_sees_an_english_summary(tmp_path) -> None:
    (tmp_path / "sample.py").write_text(
        "def f(uow, case, n):\n"
        "    why = 'case closed'\n"
        "    uow.audit('X', 'Case', case.id, f'收案{case.number}' + (f'; {n} item(s)' if n else ''))\n"
        "    cancel_for_case(uow, case.id, None, why)\n"
        "    finish_active(uow, summary=lambda k: f'{k.label}：{n:,.2f}元')\n",
        encoding="utf-8",
    )
    _, offending = _english_literals(tmp_path)
    assert sorted(o.split(": ", 1)[1] for o in offending) == ["' item(s)'", "'case closed'"]
