"""Safe arithmetic formulas over series letters (A = series 0, B = series 1, ...).

Parsed with `ast` and evaluated by walking the tree: numbers, letters, + - * / % **,
unary +/- and parentheses only (no eval, no names beyond single letters, no calls but
abs/round). Division or modulo by zero gives 0 and missing values count as 0 (spec 2.1).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence

from app.query.base import QueryError

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCS: dict[str, Callable[[float], float]] = {"abs": abs, "round": lambda x: float(round(x))}
_MAX_LEN = 500


def parse(formula: str) -> ast.expr:
    """Parse and validate a formula; anything outside the grammar is a user error."""
    if len(formula) > _MAX_LEN:
        raise QueryError("formula is too long")
    try:
        tree = ast.parse(formula.strip(), mode="eval").body
    except SyntaxError as exc:
        raise QueryError(f"invalid formula {formula!r}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise QueryError(f"invalid formula {formula!r}")
        if isinstance(node, ast.Name) and not _is_letter(node.id) and node.id not in _FUNCS:
            raise QueryError(f"unknown series {node.id!r} in formula")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNCS and len(node.args) == 1
        ):
            raise QueryError("only abs() and round() may be called in a formula")
    return tree


_ALLOWED = (
    ast.BinOp,
    ast.UnaryOp,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Call,
    ast.USub,
    ast.UAdd,
    *_BINARY,
)


def _is_letter(name: str) -> bool:
    return len(name) == 1 and "A" <= name.upper() <= "Z"


def letters(tree: ast.expr) -> set[int]:
    return {
        ord(n.id.upper()) - 65
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and _is_letter(n.id)
    }


def evaluate(tree: ast.expr, values: Sequence[float | None]) -> float:
    """Evaluate for one bucket: values[i] is series i's value (None → 0)."""
    if isinstance(tree, ast.Constant):
        if isinstance(tree.value, bool) or not isinstance(tree.value, int | float):
            raise QueryError("formula constants must be numbers")
        return float(tree.value)
    if isinstance(tree, ast.Name):
        index = ord(tree.id.upper()) - 65
        if index >= len(values):
            raise QueryError(f"formula references missing series {tree.id}")
        return float(values[index] or 0)
    if isinstance(tree, ast.UnaryOp):
        inner = evaluate(tree.operand, values)
        return -inner if isinstance(tree.op, ast.USub) else inner
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        return _FUNCS[tree.func.id](evaluate(tree.args[0], values))
    if isinstance(tree, ast.BinOp):
        return _binary(tree, values)
    raise QueryError("invalid formula")


def _binary(tree: ast.BinOp, values: Sequence[float | None]) -> float:
    left, right = evaluate(tree.left, values), evaluate(tree.right, values)
    if isinstance(tree.op, ast.Div | ast.Mod) and right == 0:
        return 0.0
    try:
        result = _BINARY[type(tree.op)](left, right)
    except (OverflowError, ZeroDivisionError, ValueError):
        return 0.0
    if isinstance(result, complex) or abs(result) > 1e300:
        return 0.0
    return float(result)
