"""The import graph of the package, read from the source (every import, function-local ones included)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "scalewatch"


@dataclass(frozen=True)
class Edge:
    """``importer`` imports ``target`` (a module) at ``line``; ``name`` is the imported name when it is not a module."""

    importer: str
    target: str
    name: str | None
    line: int
    local: bool  # inside a function or class body, or under ``if TYPE_CHECKING``

    def __str__(self) -> str:
        what = f"{self.target}.{self.name}" if self.name else self.target
        return f"{self.importer}:{self.line} imports {what}{' (function-local)' if self.local else ''}"


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the package."""
    out = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _absolute(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if _is_package(importer) else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


class _Visitor(ast.NodeVisitor):
    def __init__(self, importer: str) -> None:
        self.importer = importer
        self.depth = 0
        self.edges: list[Edge] = []

    def _nested(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_If = _nested  # noqa: N815

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name.split(".")[0] == ROOT:
                self.edges.append(Edge(self.importer, a.name, None, node.lineno, self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = _absolute(self.importer, node)
        if mod.split(".")[0] != ROOT:
            return
        for a in node.names:
            sub = f"{mod}.{a.name}"
            if sub in modules():  # ``from pkg import module``
                self.edges.append(Edge(self.importer, sub, None, node.lineno, self.depth > 0))
            else:
                self.edges.append(Edge(self.importer, mod, a.name, node.lineno, self.depth > 0))


@lru_cache(maxsize=1)
def edges() -> tuple[Edge, ...]:
    """Every import of a scalewatch module by a scalewatch module."""
    out: list[Edge] = []
    for name, path in modules().items():
        v = _Visitor(name)
        v.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        out.extend(v.edges)
    return tuple(out)


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports (every import, function-local and ``TYPE_CHECKING`` ones included)."""
    out: dict[str, set[str]] = {m: set() for m in modules()}
    for e in edges():
        if e.target in out and e.target != e.importer:
            out[e.importer].add(e.target)
    return out


def cycles(graph: dict[str, set[str]] | None = None) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each a sorted list of modules."""
    graph = globals()["graph"]() if graph is None else graph
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # recursion depth is bounded by the ~150 modules
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def private_scope(target: str, name: str | None) -> str | None:
    """The package inside which ``target`` (and ``name``) may be imported, or None when all of it is public.

    The first component of ``target.name`` that starts with ``_`` (dunder
    names excepted) is private to the package that holds it: a private module
    ``a.b._c`` to ``a.b``, a private name ``_x`` of module ``a.b.c`` to ``a.b``
    (the modules of one package share their private helpers).
    """
    parts = target.split(".") + ([name] if name else [])
    for i, p in enumerate(parts):
        if p.startswith("_") and not (p.startswith("__") and p.endswith("__")):
            scope = ".".join(parts[:i])
            if scope in modules() and not _is_package(scope):  # a private name of a plain module: its package's
                scope = scope.rsplit(".", 1)[0]
            return scope
    return None


def private_violations() -> list[Edge]:
    """Imports of a private module or name from outside the package that holds it."""
    out = []
    for e in edges():
        scope = private_scope(e.target, e.name)
        if scope is not None and not (e.importer == scope or e.importer.startswith(scope + ".")):
            out.append(e)
    return out
