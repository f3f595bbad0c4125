"""A safe subset of HogQL expressions, compiled to SQL with bound values (spec insights.md).

Used by `hogql` property filters (`{"type": "hogql", "key": "<expr>"}`), `math: "hogql"` with
`math_hogql`, and `breakdown_type: "hogql"`. The expression is parsed into a tree and every
piece of SQL we emit comes from a fixed table below; identifiers and literals from the
expression are never pasted into SQL (property names and strings are bound parameters,
numbers are re-printed from parsed floats), so no input can inject SQL.

Supported:
- fields: `event`, `distinct_id`, `timestamp`, `uuid`, `person_id`, `properties.<key>`,
  `properties['<key>']`, nested `properties.a.b` (Postgres), `person.properties.<key>`;
  `$`-keys such as `properties.$browser`; backquoted names for anything unusual;
- literals: numbers, 'strings' (`\\'` or `''` escapes), true, false, null;
- operators: `+ - * / %`, `= == != <> < <= > >=`, `and or not`, `[not] like/ilike`,
  `[not] in (...)`, `is [not] null`, parentheses;
- functions (case-insensitive): lower, upper, length, trim, concat, coalesce/ifNull, if,
  toString, toFloat/toFloat64/toFloatOrNull/toFloat64OrNull, toInt/toIntOrNull, round,
  floor, ceil, abs; aggregates count, count(distinct x), uniq, sum, avg, min, max, median
  (Postgres), countIf, sumIf, avgIf.
Property values are text, as in HogQL; arithmetic, numeric aggregates and comparisons with a
number read them as numbers, and text that is not a number reads as null (never an error).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from app.query import persons
from app.query.base import QueryError
from app.query.properties import Sources
from app.query.sql import Params

MAX_LENGTH = 2_000
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
    r"|(?P<str>'(?:[^'\\]|\\.|'')*')"
    r"|(?P<quoted>`(?:[^`\\]|\\.)*`)"
    r"|(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)"
    r"|(?P<op>==|!=|<>|<=|>=|[-+*/%=<>(),.\[\]])"
    r")"
)
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false", "like", "ilike", "distinct"}


@dataclass(frozen=True)
class Tok:
    kind: str  # num, str, name, kw, op, end
    value: str


def tokenize(source: str) -> list[Tok]:
    if len(source) > MAX_LENGTH:
        raise QueryError(f"HogQL expression is longer than {MAX_LENGTH} characters")
    out: list[Tok] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        m = _TOKEN.match(source, pos)
        if not m or m.end() == pos:
            raise QueryError(f"HogQL syntax error near {source[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        text = m.group(kind)
        if kind == "str":
            body = text[1:-1].replace("''", "'")
            out.append(Tok("str", re.sub(r"\\(.)", r"\1", body)))
        elif kind == "quoted":
            out.append(Tok("name", re.sub(r"\\(.)", r"\1", text[1:-1])))
        elif kind == "name" and text.lower() in _KEYWORDS:
            out.append(Tok("kw", text.lower()))
        else:
            out.append(Tok(kind, text))
    out.append(Tok("end", ""))
    return out


# -- syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    kind: str  # lit, field, call, unary, binary, in, isnull, like
    value: Any = None
    args: tuple[Node, ...] = ()
    flag: bool = False  # negated (in/isnull/like), distinct (call), ilike (like: value)


_COMPARE = {"=", "==", "!=", "<>", "<", "<=", ">", ">="}


class Parser:
    def __init__(self, source: str) -> None:
        self.toks = tokenize(source)
        self.i = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok

    def accept(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        if tok.kind == kind and (value is None or tok.value == value):
            self.take()
            return True
        return False

    def expect(self, kind: str, value: str) -> None:
        if not self.accept(kind, value):
            got = self.peek().value or "end of expression"
            raise QueryError(f"HogQL syntax error: expected {value!r}, got {got!r}")

    def parse(self) -> Node:
        node = self.expr()
        if self.peek().kind != "end":
            raise QueryError(f"HogQL syntax error near {self.peek().value!r}")
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError("HogQL expression is nested too deeply")
        try:
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.accept("kw", "or"):
            node = Node("binary", "or", (node, self.and_expr()))
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.accept("kw", "and"):
            node = Node("binary", "and", (node, self.not_expr()))
        return node

    def not_expr(self) -> Node:
        if self.accept("kw", "not"):
            return Node("unary", "not", (self.not_expr(),))
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        tok = self.peek()
        if tok.kind == "op" and tok.value in _COMPARE:
            self.take()
            op = {"==": "=", "<>": "!="}.get(tok.value, tok.value)
            return Node("binary", op, (left, self.additive()))
        negate = False
        if tok.kind == "kw" and tok.value == "not" and self.peek(1).kind == "kw":
            self.take()
            negate = True
            tok = self.peek()
        if self.accept("kw", "in"):
            self.expect("op", "(")
            items = [self.expr()]
            while self.accept("op", ","):
                items.append(self.expr())
            self.expect("op", ")")
            return Node("in", None, (left, *items), negate)
        if tok.kind == "kw" and tok.value in ("like", "ilike"):
            self.take()
            return Node("like", tok.value == "ilike", (left, self.additive()), negate)
        if negate:
            raise QueryError("HogQL syntax error: 'not' must be followed by in, like or ilike")
        if self.accept("kw", "is"):
            negated = self.accept("kw", "not")
            self.expect("kw", "null")
            return Node("isnull", None, (left,), negated)
        return left

    def additive(self) -> Node:
        node = self.term()
        while self.peek().kind == "op" and self.peek().value in ("+", "-"):
            node = Node("binary", self.take().value, (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().value in ("*", "/", "%"):
            node = Node("binary", self.take().value, (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.accept("op", "-"):
            return Node("unary", "-", (self.unary(),))
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.value)
            if not math.isfinite(value):
                raise QueryError("HogQL number out of range")
            return Node("lit", value)
        if tok.kind == "str":
            return Node("lit", tok.value)
        if tok.kind == "kw" and tok.value in ("true", "false", "null"):
            return Node("lit", {"true": True, "false": False, "null": None}[tok.value])
        if tok.kind == "op" and tok.value == "(":
            node = self.expr()
            self.expect("op", ")")
            return node
        if tok.kind == "name":
            if self.accept("op", "("):
                return self.call(tok.value)
            return self.field(tok.value)
        raise QueryError(f"HogQL syntax error near {tok.value or 'end of expression'!r}")

    def call(self, name: str) -> Node:
        distinct = self.accept("kw", "distinct")
        args: list[Node] = []
        if not self.accept("op", ")"):
            args.append(self.expr())
            while self.accept("op", ","):
                args.append(self.expr())
            self.expect("op", ")")
        return Node("call", name.lower(), tuple(args), distinct)

    def field(self, first: str) -> Node:
        chain = [first]
        while True:
            if self.accept("op", "."):
                tok = self.take()
                if tok.kind not in ("name", "kw", "num"):
                    raise QueryError("HogQL syntax error after '.'")
                chain.append(tok.value)
            elif self.accept("op", "["):
                tok = self.take()
                if tok.kind != "str":
                    raise QueryError("HogQL: property keys in [] must be 'quoted'")
                self.expect("op", "]")
                chain.append(tok.value)
            else:
                return Node("field", tuple(chain))


def parse(source: Any) -> Node:
    if not isinstance(source, str) or not source.strip():
        raise QueryError("HogQL expression must be a non-empty string")
    return Parser(source).parse()


# -- compilation ---------------------------------------------------------------------------

NUM, TEXT, BOOL, TIME, NULL = "number", "text", "bool", "time", "null"

_SCALAR_TEXT = {"lower": "lower", "upper": "upper", "trim": "trim"}
_TO_FLOAT = {"tofloat", "tofloat64", "tofloatornull", "tofloat64ornull"}
_TO_INT = {"toint", "tointornull", "toint64", "toint64ornull"}
_NUM_FUNCS = {"floor": "floor", "ceil": "ceil", "abs": "abs"}
_AGG_NUM = {"sum": "sum", "avg": "avg", "min": "min", "max": "max"}
_AGG_IF = {"countif", "sumif", "avgif"}
AGGREGATES = {"count", "uniq", "median", *_AGG_NUM, *_AGG_IF}


@dataclass
class Compiler:
    params: Params
    src: Sources
    allow_aggregates: bool = False
    in_aggregate: bool = False
    saw_aggregate: bool = False

    def compile(self, node: Node) -> tuple[str, str]:
        """(SQL, type) of a node."""
        handler = getattr(self, f"_{node.kind}")
        result: tuple[str, str] = handler(node)
        return result

    # leaves
    def _lit(self, node: Node) -> tuple[str, str]:
        value = node.value
        if value is None:
            return "NULL", NULL
        if isinstance(value, bool):
            return ("TRUE" if value else "FALSE"), BOOL
        if isinstance(value, float):
            return repr(value), NUM
        return self.params.bind(value), TEXT

    def _field(self, node: Node) -> tuple[str, str]:
        chain = [str(c) for c in node.value]
        head = chain[0].lower()
        simple = {"event": "e.event", "distinct_id": "e.distinct_id"}
        if len(chain) == 1 and head in simple:
            return simple[head], TEXT
        if len(chain) == 1 and head == "timestamp":
            return "e.timestamp", TIME
        if len(chain) == 1 and head == "uuid":
            return "CAST(e.uuid AS TEXT)", TEXT
        if len(chain) == 1 and head == "person_id":
            self.src.needs.add("pdi")
            return f"CAST({persons.actor_expr(self.params)} AS TEXT)", TEXT
        if head == "properties" and len(chain) >= 2:
            return self._json(self.src.event_props, chain[1:]), TEXT
        if head == "person" and len(chain) >= 3 and chain[1].lower() == "properties":
            self.src.needs.add("person")
            return self._json(self.src.person_props, chain[2:]), TEXT
        raise QueryError(f"HogQL: unknown field {'.'.join(chain)!r}")

    def _json(self, column: str, keys: list[str]) -> str:
        if len(keys) == 1:
            return self.params.prop(column, keys[0])
        if not self.params.pg:
            raise QueryError("HogQL: nested properties need Postgres")
        path = "".join(f" -> {self.params.bind(k)}" for k in keys[:-1])
        return f"(({column}{path}) ->> {self.params.bind(keys[-1])})"

    # conversions
    def number(self, node: Node) -> str:
        return self.as_number(*self.compile(node))

    def as_number(self, sql: str, kind: str) -> str:
        if kind == TEXT:
            return self.params.safe_float(sql)
        if kind == BOOL:
            return f"(CASE WHEN {sql} THEN 1 ELSE 0 END)"
        if kind == TIME:
            raise QueryError("HogQL: a timestamp is not a number")
        return sql

    def boolean(self, node: Node) -> str:
        sql, kind = self.compile(node)
        if kind == BOOL:
            return sql
        if kind == TEXT:
            return f"({sql} = 'true')"
        if kind == NUM:
            return f"(COALESCE({sql}, 0) <> 0)"
        if kind == NULL:
            return "(1 = 0)"
        raise QueryError("HogQL: expected a condition")

    def text(self, node: Node) -> str:
        return self.as_text(*self.compile(node))

    def as_text(self, sql: str, kind: str) -> str:
        if kind == TEXT:
            return sql
        if kind == NULL:
            return "CAST(NULL AS TEXT)"
        if kind == BOOL:
            return f"(CASE WHEN {sql} THEN 'true' WHEN NOT {sql} THEN 'false' END)"
        if kind == NUM and self.params.pg:
            # 3.0 prints as 3, as HogQL prints whole floats.
            return f"CAST(CAST({sql} AS float8) AS TEXT)"
        return f"CAST({sql} AS TEXT)"

    # operators
    def _unary(self, node: Node) -> tuple[str, str]:
        if node.value == "not":
            return f"(NOT {self.boolean(node.args[0])})", BOOL
        return f"(-{self.number(node.args[0])})", NUM

    def _binary(self, node: Node) -> tuple[str, str]:
        op, (left, right) = node.value, node.args
        if op in ("and", "or"):
            return f"({self.boolean(left)} {op.upper()} {self.boolean(right)})", BOOL
        if op in ("+", "-", "*", "/", "%"):
            a, b = self.number(left), self.number(right)
            if op in ("/", "%"):
                return f"({a} {op} NULLIF({b}, 0))", NUM
            return f"({a} {op} {b})", NUM
        return self._compare(op, left, right), BOOL

    def _compare(self, op: str, left: Node, right: Node) -> str:
        a, ka = self.compile(left)
        b, kb = self.compile(right)
        if NULL in (ka, kb):
            other = b if ka == NULL else a
            return f"({other} IS {'NOT ' if op == '!=' else ''}NULL)"
        if NUM in (ka, kb):
            a, b = self.as_number(a, ka), self.as_number(b, kb)
        elif TIME in (ka, kb):
            a, b = self._as_time(a, ka), self._as_time(b, kb)
        elif BOOL in (ka, kb) and ka != kb:
            a, b = self.as_text(a, ka), self.as_text(b, kb)
        sql_op = "<>" if op == "!=" else op
        return f"({a} {sql_op} {b})"

    def _as_time(self, sql: str, kind: str) -> str:
        if kind == TIME:
            return sql
        if kind == TEXT:
            return self.params.safe_timestamp(sql) if not self.params.pg else self._pg_time(sql)
        raise QueryError("HogQL: timestamps compare with timestamps or date strings")

    def _pg_time(self, sql: str) -> str:
        pattern = self.params.bind(r"^\d{4}-\d{2}-\d{2}([ T][0-9:.]+)?(Z|[+-]\d{2}:?\d{2})?$")
        return f"(CASE WHEN {sql} ~ {pattern} THEN CAST({sql} AS timestamptz) END)"

    def _in(self, node: Node) -> tuple[str, str]:
        subject, *items = node.args
        parts = [self._compare("=", subject, item) for item in items]
        joined = "(" + " OR ".join(parts) + ")"
        if node.flag:
            return f"(NOT COALESCE({joined}, FALSE))", BOOL
        return joined, BOOL

    def _isnull(self, node: Node) -> tuple[str, str]:
        sql, _ = self.compile(node.args[0])
        return f"({sql} IS {'NOT ' if node.flag else ''}NULL)", BOOL

    def _like(self, node: Node) -> tuple[str, str]:
        subject, pattern = self.text(node.args[0]), node.args[1]
        if pattern.kind == "lit" and isinstance(pattern.value, str):
            # Keep HogQL's % and _ wildcards; only our escape character needs escaping.
            pat = self.params.bind(pattern.value.replace("\\", "\\\\"))
        else:
            pat = self.text(pattern)
        ilike = node.value and self.params.pg
        subject = subject if not node.value or ilike else f"lower({subject})"
        pat = pat if not node.value or ilike else f"lower({pat})"
        sql = f"({subject} {'ILIKE' if ilike else 'LIKE'} {pat} ESCAPE '\\')"
        return (f"(NOT {sql})" if node.flag else sql), BOOL

    # functions
    def _call(self, node: Node) -> tuple[str, str]:
        name, args = node.value, node.args
        if name in AGGREGATES:
            return self._aggregate(node)
        family = _FUNCTIONS.get(name)
        if family is None:
            raise QueryError(f"HogQL: unknown or unsupported function {name!r}")
        low, high = _ARITY[family]
        if not low <= len(args) <= high:
            raise QueryError(f"HogQL: wrong number of arguments for {name}")
        result: tuple[str, str] = getattr(self, f"_fn_{family}")(name, args)
        return result

    def _fn_text(self, name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return f"{_SCALAR_TEXT[name]}({self.text(args[0])})", TEXT

    def _fn_length(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return f"length({self.text(args[0])})", NUM

    def _fn_concat(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return "(" + " || ".join(f"COALESCE({self.text(a)}, '')" for a in args) + ")", TEXT

    def _fn_coalesce(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return "COALESCE(" + ", ".join(self.text(a) for a in args) + ")", TEXT

    def _fn_if(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        cond = self.boolean(args[0])
        (yes, k_yes), (no, k_no) = self.compile(args[1]), self.compile(args[2])
        as_num = {k_yes, k_no} - {NULL} == {NUM}
        convert = self.as_number if as_num else self.as_text
        yes, no = convert(yes, k_yes), convert(no, k_no)
        return f"(CASE WHEN {cond} THEN {yes} ELSE {no} END)", NUM if as_num else TEXT

    def _fn_tostring(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return self.text(args[0]), TEXT

    def _fn_float(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return self.number(args[0]), NUM

    def _fn_int(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return f"trunc({self.number(args[0])})", NUM

    def _fn_math(self, name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        return f"{_NUM_FUNCS[name]}({self.number(args[0])})", NUM

    def _fn_round(self, _name: str, args: tuple[Node, ...]) -> tuple[str, str]:
        digits = 0
        if len(args) == 2:
            if args[1].kind != "lit" or not isinstance(args[1].value, float):
                raise QueryError("HogQL: round's precision must be a number")
            digits = int(args[1].value)
        value = self.number(args[0])
        if self.params.pg:
            return f"round(CAST({value} AS numeric), {digits})", NUM
        return f"round({value}, {digits})", NUM

    def _aggregate(self, node: Node) -> tuple[str, str]:
        if not self.allow_aggregates:
            raise QueryError(f"HogQL: aggregate {node.value!r} is not allowed here")
        if self.in_aggregate:
            raise QueryError("HogQL: aggregates cannot be nested")
        low, high = _AGG_ARITY[node.value]
        if not low <= len(node.args) <= high:
            raise QueryError(f"HogQL: wrong number of arguments for {node.value}")
        self.in_aggregate = self.saw_aggregate = True
        try:
            return self._aggregate_sql(node.value, node.args, node.flag)
        finally:
            self.in_aggregate = False

    def _aggregate_sql(self, name: str, args: tuple[Node, ...], distinct: bool) -> tuple[str, str]:
        if name == "count" and not args:
            return "count(*)", NUM
        if name in ("count", "uniq"):
            keyword = "DISTINCT " if distinct or name == "uniq" else ""
            return f"count({keyword}{self.compile(args[0])[0]})", NUM
        if name == "median":
            if not self.params.pg:
                raise QueryError("HogQL: median needs Postgres")
            return f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {self.number(args[0])})", NUM
        if name in _AGG_NUM:
            return f"{_AGG_NUM[name]}({self.number(args[0])})", NUM
        if name == "countif":
            return f"count(CASE WHEN {self.boolean(args[0])} THEN 1 END)", NUM
        # sumIf(x, cond), avgIf(x, cond)
        value, cond = self.number(args[0]), self.boolean(args[1])
        return f"{name[:3]}(CASE WHEN {cond} THEN {value} END)", NUM


_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(_SCALAR_TEXT, "text"),
    "length": "length",
    "concat": "concat",
    "coalesce": "coalesce",
    "ifnull": "coalesce",
    "if": "if",
    "tostring": "tostring",
    **dict.fromkeys(_TO_FLOAT, "float"),
    **dict.fromkeys(_TO_INT, "int"),
    **dict.fromkeys(_NUM_FUNCS, "math"),
    "round": "round",
}
_MANY = 64
_ARITY: dict[str, tuple[int, int]] = {
    "text": (1, 1),
    "length": (1, 1),
    "concat": (1, _MANY),
    "coalesce": (2, _MANY),
    "if": (3, 3),
    "tostring": (1, 1),
    "float": (1, 1),
    "int": (1, 1),
    "math": (1, 1),
    "round": (1, 2),
}
_AGG_ARITY: dict[str, tuple[int, int]] = {
    "count": (0, 1),
    "uniq": (1, 1),
    "median": (1, 1),
    **dict.fromkeys(_AGG_NUM, (1, 1)),
    "countif": (1, 1),
    "sumif": (2, 2),
    "avgif": (2, 2),
}


def compile_filter(source: Any, params: Params, src: Sources) -> str:
    """A HogQL condition (no aggregates) → a SQL boolean; null counts as false."""
    return f"COALESCE({Compiler(params, src).boolean(parse(source))}, FALSE)"


def compile_aggregate(source: Any, params: Params, src: Sources) -> str:
    """`math_hogql`: an expression with at least one aggregate, every field inside one."""
    compiler = Compiler(params, src, allow_aggregates=True)
    node = parse(source)
    _check_fields_aggregated(node, inside=False)
    sql = compiler.number(node)
    if not compiler.saw_aggregate:
        raise QueryError("math_hogql must aggregate, e.g. sum(toFloat(properties.price))")
    return sql


def _check_fields_aggregated(node: Node, *, inside: bool) -> None:
    if node.kind == "field" and not inside:
        raise QueryError("HogQL: every field in math_hogql must sit inside an aggregate")
    now_inside = inside or (node.kind == "call" and node.value in AGGREGATES)
    for arg in node.args:
        _check_fields_aggregated(arg, inside=now_inside)


def compile_value(source: Any, params: Params, src: Sources) -> str:
    """A breakdown value: the expression as text (no aggregates)."""
    return Compiler(params, src).text(parse(source))
