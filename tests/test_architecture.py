"""docs/ARCHITECTURE.md's import contract, checked over every module of duet.

The contract (which package may import which, which may touch Blender's modules,
where cycles are allowed, what the extension zip leaves out) is read from the
table in ARCHITECTURE.md, so the map and the check cannot drift apart. Each checker
is a pure function of a source tree; the tests at the end run each one on a small
broken tree in tmp_path, so each can be seen to fail.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"
TOP = "duet"  # the repository root is the package duet
BLENDER_MODULES = frozenset({"bpy", "aud", "bmesh", "mathutils", "gpu"})
# Not part of the package: development, data and build folders (hidden folders too).
NOT_SCANNED = frozenset(
    {"tests", "tools", "docs", "assets", "corpus", "runs", "out", "dist", "build", "wheels", "farm"}
)
SUBPROCESS_CALLS = frozenset({"run", "Popen", "call", "check_call", "check_output"})

sys.path.insert(0, str(ROOT / "tools"))
import build_extension  # noqa: E402 - tools/ is not a package

# ------------------------------------------------------------------------------ the contract


@dataclass(frozen=True)
class Package:
    name: str
    paths: tuple[str, ...]  # "model/" (a folder) or "cli.py" (a file), from the root
    imports: frozenset[str]  # packages (or modules, "model.spec") it may import anywhere
    lazy: frozenset[str]  # ... only inside functions
    blender: frozenset[str]  # Blender modules it may import


@dataclass(frozen=True)
class Contract:
    packages: dict[str, Package]
    cycle_exempt: frozenset[str]
    left_out_of_zip: tuple[str, ...]

    def package_of(self, rel: str) -> str | None:
        """The package a file belongs to: the longest path of the table that holds it."""
        best, length = None, -1
        for pkg in self.packages.values():
            for path in pkg.paths:
                hit = rel.startswith(path) if path.endswith("/") else rel == path
                if hit and len(path) > length:
                    best, length = pkg.name, len(path)
        return best


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def read_contract(text: str) -> Contract:
    """The '## Import contract' section: its table and its two rule lines."""
    section = text.split("\n## Import contract", 1)
    assert len(section) == 2, "ARCHITECTURE.md has no '## Import contract' section"
    body = section[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header == ["package", "paths", "imports", "lazy imports", "Blender modules"], header
    packages = {}
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        name = _names(cells[0])[0]
        packages[name] = Package(
            name,
            tuple(_names(cells[1])),
            frozenset(_names(cells[2])),
            frozenset(_names(cells[3])),
            frozenset(_names(cells[4])),
        )
    rules = {}
    for line in body.splitlines():
        for key in ("Cycles allowed only through:", "Left out of the extension zip:"):
            if line.startswith(key):
                rules[key] = _names(line)
    assert len(rules) == 2, f"the contract lacks a rule line: {rules}"
    return Contract(
        packages,
        frozenset(rules["Cycles allowed only through:"]),
        tuple(rules["Left out of the extension zip:"]),
    )


# ------------------------------------------------------------------------------ scanning


@dataclass(frozen=True)
class ImportSite:
    path: str  # the importing file, from the root
    line: int
    target: str  # absolute dotted name: "duet.model.spec", "bpy"
    lazy: bool  # runs only when a function runs (or never: TYPE_CHECKING)

    def where(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}" + (
            " (inside a function)" if self.lazy else ""
        )


@dataclass
class Module:
    name: str
    path: str
    is_package: bool
    imports: list[ImportSite] = field(default_factory=list)


def module_name(rel: str, top: str = TOP) -> str:
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([top, *parts])


def _python_files(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in NOT_SCANNED or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            continue
        yield rel.as_posix()


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _raw_imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, list[str], bool]]:
    """(line, candidate targets, lazy) for every import statement, importlib.import_module /
    __import__ call with a literal name, and string constant that names a duet module
    (the CLI's dispatch table), at any depth."""
    base = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST, lazy: bool) -> Iterator[tuple[int, list[str], bool]]:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            inner = inner or _is_type_checking(child)
            if isinstance(child, ast.Import):
                yield child.lineno, [a.name for a in child.names], lazy
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    stem = base[: len(base) - (child.level - 1)]
                    source = ".".join(stem + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                yield child.lineno, [f"{source}.{a.name}|{source}" for a in child.names], lazy
            elif isinstance(child, ast.Call) and child.args and isinstance(child.args[0], ast.Constant):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__") and isinstance(child.args[0].value, str):
                    yield child.lineno, [child.args[0].value], True
            elif isinstance(child, ast.Constant) and re.fullmatch(rf"{TOP}(\.\w+)+", str(child.value)):
                yield child.lineno, ["=" + child.value], True  # only if it names a module
            yield from visit(child, inner)

    yield from visit(tree, False)


def _resolve(candidate: str, known: set[str]) -> str:
    """'a.b|a' (from a import b): the module a.b if there is one, else a. Names inside duet
    resolve to the longest known module; others stay as written."""
    if candidate.startswith("="):  # a string: a module's name, or not an import at all
        return candidate[1:] if candidate[1:] in known else ""
    first, _, fallback = candidate.partition("|")
    name = first if (not fallback or first in known) else fallback
    if name.split(".")[0] != TOP:
        return name
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def scan(root: Path) -> dict[str, Module]:
    """Every module of the package under root, with its imports resolved to module names."""
    modules = {}
    for rel in _python_files(root):
        modules[module_name(rel)] = Module(module_name(rel), rel, rel.endswith("__init__.py"))
    known = set(modules)
    for mod in modules.values():
        tree = ast.parse((root / mod.path).read_text(encoding="utf-8"), filename=mod.path)
        for line, candidates, lazy in _raw_imports(tree, mod.name, mod.is_package):
            for candidate in candidates:
                target = _resolve(candidate, known)
                if target:
                    mod.imports.append(ImportSite(mod.path, line, target, lazy))
    return modules


# ------------------------------------------------------------------------------ checks


def unmapped_modules(contract: Contract, modules: dict[str, Module]) -> list[str]:
    return [m.path for m in modules.values() if contract.package_of(m.path) is None]


def blender_violations(contract: Contract, modules: dict[str, Module]) -> list[str]:
    """Imports of Blender's modules, at any depth, by packages the contract does not let."""
    problems = []
    for mod in modules.values():
        pkg = contract.packages.get(contract.package_of(mod.path) or "")
        allowed = pkg.blender if pkg else frozenset()
        for site in mod.imports:
            top = site.target.split(".")[0]
            if top in BLENDER_MODULES and top not in allowed:
                may = ", ".join(sorted(allowed)) or "no Blender module"
                problems.append(f"{site.where()}; package {pkg.name if pkg else '?'} may import {may}")
    return problems


def _edges(contract: Contract, modules: dict[str, Module]) -> Iterator[tuple[str, str, ImportSite]]:
    """(from package, to package, site) for every import between two packages of duet."""
    for mod in modules.values():
        source = contract.package_of(mod.path)
        for site in mod.imports:
            if site.target in modules:
                target = contract.package_of(modules[site.target].path)
                if source and target and source != target:
                    yield source, target, site


def _allows(contract: Contract, pkg: Package, target: str, lazy: bool, modules: dict[str, Module]) -> bool:
    relative = target.removeprefix(TOP + ".")
    target_pkg = contract.package_of(modules[target].path)
    for entry in pkg.imports | (pkg.lazy if lazy else frozenset()):
        if entry in contract.packages:
            if entry == target_pkg:
                return True
        elif relative == entry or relative.startswith(entry + "."):
            return True
    return False


def edge_violations(contract: Contract, modules: dict[str, Module]) -> list[str]:
    problems = []
    for source, target, site in _edges(contract, modules):
        pkg = contract.packages[source]
        if not _allows(contract, pkg, site.target, site.lazy, modules):
            problems.append(f"{site.where()}: {source} -> {target} is not in the contract")
    return problems


def package_cycles(contract: Contract, modules: dict[str, Module]) -> list[str]:
    """Cycles between packages (cycle-exempt packages left out), each named with one import per
    step, found by a depth-first search that reports every back edge's loop."""
    graph: dict[str, dict[str, ImportSite]] = {}
    for source, target, site in _edges(contract, modules):
        if source in contract.cycle_exempt or target in contract.cycle_exempt:
            continue
        graph.setdefault(source, {}).setdefault(target, site)
    cycles, seen, state = [], set(), {}
    path: list[str] = []

    def dfs(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                loop = [*path[path.index(nxt) :], nxt]
                key = frozenset(pairwise(loop))
                if key not in seen:
                    seen.add(key)
                    steps = "; ".join(graph[a][b].where() for a, b in pairwise(loop))
                    cycles.append(" -> ".join(loop) + f" ({steps})")
            elif nxt not in state:
                dfs(nxt)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            dfs(node)
    return cycles


def contract_problems(contract: Contract, root: Path, modules: dict[str, Module]) -> list[str]:
    """The map itself: every path exists, every import names a package or a module."""
    problems = []
    for pkg in contract.packages.values():
        problems += [f"{pkg.name}: path {p} does not exist" for p in pkg.paths if not (root / p).exists()]
        for entry in pkg.imports | pkg.lazy:
            if entry not in contract.packages and f"{TOP}.{entry}" not in modules:
                problems.append(f"{pkg.name}: may import {entry}, which is neither a package nor a module")
        problems += [f"{pkg.name}: {b} is not a Blender module" for b in pkg.blender - BLENDER_MODULES]
    problems += [
        f"cycle exemption {c} is not a package" for c in contract.cycle_exempt - set(contract.packages)
    ]
    return problems


# ------------------------------------------------------------------------------ Blender tests


def loads_blender(modules: dict[str, Module]) -> set[str]:
    """Modules whose import loads a Blender module: their own module-level imports, their
    parent packages', and those of every module they import at module level, transitively."""
    loading = {
        m.name
        for m in modules.values()
        if any(s.target.split(".")[0] in BLENDER_MODULES and not s.lazy for s in m.imports)
    }
    changed = True
    while changed:
        changed = False
        for mod in modules.values():
            if mod.name in loading:
                continue
            parents = {mod.name.rsplit(".", k)[0] for k in range(1, mod.name.count(".") + 1)}
            deps = {s.target for s in mod.imports if not s.lazy} | parents
            if deps & loading:
                loading.add(mod.name)
                changed = True
    return loading


def cli_commands(root: Path) -> dict[str, str]:
    """cli.py's COMMANDS: command name -> the module it imports."""
    tree = ast.parse((root / "cli.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign):
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "COMMANDS" and isinstance(node.value, ast.Dict):
            return {
                k.value: v.elts[0].value
                for k, v in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(v, ast.Tuple)
            }
    return {}


@dataclass
class _Blender:
    """What starts Blender, for reading test files."""

    modules: dict[str, Module]
    loading: set[str]
    commands: dict[str, str]

    def module_loads(self, name: str) -> bool:
        known = set(self.modules)
        if name.split(".")[0] in BLENDER_MODULES:
            return True
        return name.split(".")[0] == TOP and _resolve(name, known) in self.loading

    def code_loads(self, code: str) -> bool:
        """Python source (python -c) that imports Blender, unless it blocks bpy first."""
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return False
        if re.search(r"sys\.modules\[['\"]bpy['\"]\]\s*=\s*None", code):
            return False
        return any(self.import_loads(node) for node in ast.walk(tree))

    def import_loads(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Import):
            return any(self.module_loads(a.name) for a in node.names)
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
            return any(self.module_loads(n if n in self.modules else node.module) for n in names)
        if isinstance(node, ast.Call) and _call_name(node) == "importorskip" and node.args:
            arg = node.args[0]
            return isinstance(arg, ast.Constant) and self.module_loads(str(arg.value))
        return False


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node: ast.AST, assigned: dict[str, ast.AST], depth: int = 0) -> Iterator[str]:
    """String constants in an expression, looking once through the names it uses."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value
        elif isinstance(sub, ast.Name) and sub.id in assigned and depth < 2:
            yield from _strings(assigned[sub.id], assigned, depth + 1)


def _argv(call: ast.Call, assigned: dict[str, ast.AST]) -> list[ast.AST] | None:
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "args"), None)
    if isinstance(arg, ast.Name) and arg.id in assigned:
        arg = assigned[arg.id]
    return list(arg.elts) if isinstance(arg, ast.List | ast.Tuple) else None


def _subprocess_starts_blender(call: ast.Call, assigned: dict[str, ast.AST], blender: _Blender) -> bool:
    argv = _argv(call, assigned)
    if argv is None:
        return False
    if any("blender_scripts" in s for s in _strings(ast.List(elts=argv), assigned)):
        return True  # a script of tests/blender_scripts/ runs with bpy

    def text(i: int) -> str | None:
        if i >= len(argv):
            return None
        node = argv[i]
        if isinstance(node, ast.Name) and node.id in assigned:
            node = assigned[node.id]
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    for i in range(len(argv)):
        word = text(i)
        if word is not None and Path(word).name == "blender":
            return True
        if word == "-c" and (code := text(i + 1)) is not None:
            return blender.code_loads(code)
        if word == "-m" and (name := text(i + 1)) is not None:
            if name == TOP:  # python -m duet COMMAND: the command's module decides
                command = text(i + 2)
                module = blender.commands.get(command or "")
                return module is None or blender.module_loads(module)
            return blender.module_loads(name) or blender.module_loads(name + ".__main__")
    return False


def _is_blender_mark(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr == "blender":
            value = sub.value
            if isinstance(value, ast.Attribute) and value.attr == "mark":
                return True
    return False


def _is_fixture(fn: ast.FunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Attribute) and d.attr == "fixture")
        or (isinstance(d, ast.Call) and _call_name(d) == "fixture")
        for d in fn.decorator_list
    )


def _autouse(fn: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call)
        and any(k.arg == "autouse" and getattr(k.value, "value", 0) for k in d.keywords)
        for d in fn.decorator_list
    )


def _usefixtures(decorators: list[ast.expr]) -> set[str]:
    names = set()
    for d in decorators:
        if isinstance(d, ast.Call) and _call_name(d) == "usefixtures":
            names |= {a.value for a in d.args if isinstance(a, ast.Constant)}
    return names


def blender_needs(tree: ast.Module, blender: _Blender, outside_fixtures: set[str]) -> dict[str, str]:
    """Function name -> why it starts Blender, for the module's functions (tests, helpers,
    fixtures), including what they get through helpers they call and fixtures they request."""
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    functions[f"{node.name}::{item.name}"] = item
    module_assigned = {
        t.id: n.value
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    reasons: dict[str, str] = {}
    for name, fn in functions.items():
        assigned = dict(module_assigned)
        for n in ast.walk(fn):
            if isinstance(n, ast.Assign):
                assigned.update({t.id: n.value for t in n.targets if isinstance(t, ast.Name)})
        for node in ast.walk(fn):
            if blender.import_loads(node):
                reasons.setdefault(name, f"line {node.lineno} imports Blender")
            elif (
                isinstance(node, ast.Call)
                and _call_name(node) in SUBPROCESS_CALLS
                and _subprocess_starts_blender(node, assigned, blender)
            ):
                reasons.setdefault(name, f"line {node.lineno} runs Blender in a subprocess")
    needing_fixtures = set(outside_fixtures)
    changed = True
    while changed:  # through helpers called by name and fixtures requested by argument
        changed = False
        for name, fn in functions.items():
            if name in reasons:
                continue
            args = {a.arg for a in fn.args.args} | _usefixtures(fn.decorator_list)
            called = {
                n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            }
            via = (args & needing_fixtures) | {c for c in called if c in reasons}
            if via:
                reasons[name] = f"uses {sorted(via)[0]}"
                changed = True
        for name, fn in functions.items():
            if name in reasons and _is_fixture(fn) and fn.name not in needing_fixtures:
                needing_fixtures.add(fn.name)
                changed = True
    return reasons


def blender_fixtures(conftest: Path, blender: _Blender) -> set[str]:
    tree = ast.parse(conftest.read_text(encoding="utf-8"))
    reasons = blender_needs(tree, blender, set())
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and _is_fixture(n) and n.name in reasons
    }


def unmarked_blender_tests(test_file: Path, blender: _Blender, fixtures: set[str]) -> list[str]:
    """Tests that start Blender without @pytest.mark.blender (on the test, its class, or the
    module's pytestmark)."""
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    module_marked = any(
        isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets)
        and _is_blender_mark(n.value)
        for n in tree.body
    )
    if module_marked:
        return []
    module_reason = next(
        (f"line {n.lineno} imports Blender" for n in tree.body if blender.import_loads(n)),
        None,
    )
    reasons = blender_needs(tree, blender, fixtures)
    autouse = [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and _autouse(n) and n.name in reasons
    ]
    problems = []
    for node in tree.body:
        tests = []
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            tests.append((node.name, node, []))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            tests += [
                (f"{node.name}::{f.name}", f, node.decorator_list)
                for f in node.body
                if isinstance(f, ast.FunctionDef) and f.name.startswith("test")
            ]
        for name, fn, outer in tests:
            why = module_reason or reasons.get(name) or (f"autouse fixture {autouse[0]}" if autouse else None)
            if why and not any(_is_blender_mark(d) for d in [*fn.decorator_list, *outer]):
                problems.append(f"{test_file.name}::{name} starts Blender ({why}) but is not marked blender")
    return problems


def size_problems(
    root: Path, modules: dict[str, Module], max_lines: int = 700, max_function: int = 150
) -> list[str]:
    """Files a reader can hold (issue 15): no module over ``max_lines`` lines and no function over
    ``max_function``, tests and tools aside (``modules`` holds neither)."""
    problems = []
    for module in modules.values():
        text = (root / module.path).read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > max_lines:
            problems.append(f"{module.path}: {lines} lines (at most {max_lines}): split it along a seam")
        for node in ast.walk(ast.parse(text, filename=module.path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > max_function:
                    where = f"{module.path}:{node.lineno} {node.name}()"
                    problems.append(f"{where} is {length} lines (at most {max_function})")
    return problems


def zip_leaks(members: list[str], left_out: tuple[str, ...]) -> list[str]:
    return [m for m in members if any(m == p.rstrip("/") or m.startswith(p) for p in left_out)]


# ------------------------------------------------------------------------------ the real tree


@pytest.fixture(scope="module")
def contract() -> Contract:
    return read_contract(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return scan(ROOT)


def test_the_map_names_real_packages_and_covers_every_module(contract, modules) -> None:
    assert contract_problems(contract, ROOT, modules) == []
    assert unmapped_modules(contract, modules) == [], "add these to the table in ARCHITECTURE.md"


def test_blender_modules_only_where_the_contract_allows(contract, modules) -> None:
    assert blender_violations(contract, modules) == []


def test_modules_and_functions_stay_readable(modules) -> None:
    assert size_problems(ROOT, modules) == []


def test_only_the_allowed_edges_between_packages(contract, modules) -> None:
    assert edge_violations(contract, modules) == []


def test_no_cycles_between_packages_except_registration(contract, modules) -> None:
    assert package_cycles(contract, modules) == []


def test_every_test_that_starts_blender_is_marked(modules) -> None:
    blender = _Blender(modules, loads_blender(modules), cli_commands(ROOT))
    fixtures = blender_fixtures(ROOT / "tests" / "conftest.py", blender)
    assert {"bpy_module", "empty_scene"} <= fixtures
    problems = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        problems += unmarked_blender_tests(path, blender, fixtures)
    assert problems == []


def test_the_extension_zip_leaves_out_development_files(contract) -> None:
    members = build_extension.zip_members(ROOT)
    assert {"__init__.py", "blender_manifest.toml", "model/spec.py"} <= set(members)
    assert {"tests/", "tools/", "model/training/", "corpus/", "runs/"} <= set(contract.left_out_of_zip)
    assert zip_leaks(members, contract.left_out_of_zip) == []


@pytest.mark.blender
def test_zip_members_match_blenders_own_path_matcher(bpy_module) -> None:
    """zip_members reads paths_exclude_pattern without Blender; Blender's builder must agree."""
    import tomllib

    build_extension._bl_pkg()
    from bl_pkg.cli import blender_ext

    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text(encoding="utf-8"))
    matcher = blender_ext.PathPatternMatch(manifest["build"]["paths_exclude_pattern"])

    def keep(rel: str, is_dir: bool) -> bool:
        return not matcher.test_path(rel + "/" if is_dir else rel)

    theirs = {rel for _, rel in blender_ext.scandir_recursive(str(ROOT), filter_fn=keep)}
    theirs |= {"blender_manifest.toml"} | {w.removeprefix("./") for w in manifest["wheels"]}
    assert set(build_extension.zip_members(ROOT)) == theirs


def test_core_imports_without_bpy() -> None:
    code = (
        "import sys; sys.modules['bpy'] = None\n"  # any import of bpy now fails loudly
        "import duet, duet.model, duet.model.spec, duet.model.performance, duet.cli\n"
        "print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr


# ------------------------------------------------------------------------------ each check can fail

MINI_DOC = """# Architecture

## Import contract

| package | paths | imports | lazy imports | Blender modules |
|---|---|---|---|---|
| `model` | `model/` | – | – | – |
| `model.training` | `model/training/` | `model` | – | – |
| `addon` | `addon/` | `model` | `registration` | `bpy` |
| `operators` | `operators/` | `addon`, `model` | – | `bpy` |
| `registration` | `__init__.py`, `addon/registration.py` | `addon`, `operators` | – | `bpy` |
| `cli` | `cli.py` | – | `addon` | – |

Cycles allowed only through: `registration`.

Left out of the extension zip: `tests/`, `tools/`, `model/training/`

## Conventions
"""

GOOD_TREE = {
    "__init__.py": "def register():\n    from .addon import registration\n    registration.register()\n",
    "cli.py": 'COMMANDS = {"demo": ("duet.addon.demo", "build the demo")}\n',
    "model/__init__.py": "",
    "model/spec.py": "NAMES = ('A', 'B')\n",
    "model/training/__init__.py": "",
    "model/training/train.py": "from ..spec import NAMES\n",
    "addon/__init__.py": "",
    "addon/demo.py": "import bpy\nfrom ..model import spec\n\ndef run():\n    from .. import register\n",
    "addon/registration.py": "import bpy\nfrom .. import operators\nfrom . import demo\n",
    "operators/__init__.py": "import bpy\nfrom ..addon import demo\n",
}


def _tree(root: Path, files: dict[str, str]) -> dict[str, Module]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return scan(root)


def test_the_good_tree_passes_every_check(tmp_path: Path) -> None:
    contract, modules = read_contract(MINI_DOC), _tree(tmp_path, GOOD_TREE)
    assert contract_problems(contract, tmp_path, modules) == []
    assert unmapped_modules(contract, modules) == []
    assert blender_violations(contract, modules) == []
    assert edge_violations(contract, modules) == []
    assert package_cycles(contract, modules) == []
    assert ("cli", "addon") in {(a, b) for a, b, _ in _edges(contract, modules)}  # the dispatch string


def test_a_pure_module_importing_blender_even_in_a_function_fails(tmp_path: Path) -> None:
    broken = {**GOOD_TREE, "model/spec.py": "def f():\n    import mathutils\n    from bpy import types\n"}
    problems = blender_violations(read_contract(MINI_DOC), _tree(tmp_path, broken))
    assert problems == [
        "model/spec.py:2 imports mathutils (inside a function); package model may import no Blender module",
        "model/spec.py:3 imports bpy (inside a function); package model may import no Blender module",
    ]


def test_a_blender_module_the_package_may_not_use_fails(tmp_path: Path) -> None:
    broken = {
        **GOOD_TREE,
        "operators/__init__.py": "import bpy\nimport importlib\nimportlib.import_module('gpu')\n",
    }
    problems = blender_violations(read_contract(MINI_DOC), _tree(tmp_path, broken))
    assert problems == [
        "operators/__init__.py:3 imports gpu (inside a function); package operators may import bpy"
    ]


def test_an_edge_outside_the_contract_fails_relative_and_lazy_imports_included(tmp_path: Path) -> None:
    broken = {
        **GOOD_TREE,
        "model/spec.py": "def f():\n    from ..addon import demo\n",  # pure core reaching the glue
        "model/training/train.py": "from .. import spec\n",  # allowed: model.training -> model
        "addon/demo.py": "from ..model.training import train\n",  # shipped code importing training
        "cli.py": "from .addon import demo\n",  # the CLI may import addon only lazily
    }
    problems = edge_violations(read_contract(MINI_DOC), _tree(tmp_path, broken))
    assert sorted(problems) == [
        "addon/demo.py:1 imports duet.model.training.train: addon -> model.training is not in the contract",
        "cli.py:1 imports duet.addon.demo: cli -> addon is not in the contract",
        "model/spec.py:2 imports duet.addon.demo (inside a function): model -> addon is not in the contract",
    ]


def test_a_cycle_between_packages_is_named_but_registration_is_exempt(tmp_path: Path) -> None:
    broken = {**GOOD_TREE, "addon/demo.py": "def run():\n    from ..operators import bpy\n"}
    modules = _tree(tmp_path, broken)
    assert package_cycles(read_contract(MINI_DOC), modules) == [
        "addon -> operators -> addon (addon/demo.py:2 imports duet.operators (inside a function); "
        "operators/__init__.py:2 imports duet.addon.demo)"
    ]
    strict = read_contract(
        MINI_DOC.replace(
            "Cycles allowed only through: `registration`.", "Cycles allowed only through: `cli`."
        )
    )
    good = _tree(tmp_path / "good", GOOD_TREE)
    assert any(c.startswith("addon -> registration -> addon") for c in package_cycles(strict, good))


def test_a_module_outside_the_map_and_a_stale_map_fail(tmp_path: Path) -> None:
    broken = {**GOOD_TREE, "speech/__init__.py": ""}
    stale = MINI_DOC.replace("| `addon`, `model` |", "| `addon`, `model.missing` |").replace(
        "`cli.py` |", "`cli.py`, `gone.py` |"
    )
    contract, modules = read_contract(stale), _tree(tmp_path, broken)
    assert unmapped_modules(contract, modules) == ["speech/__init__.py"]
    assert contract_problems(contract, tmp_path, modules) == [
        "operators: may import model.missing, which is neither a package nor a module",
        "cli: path gone.py does not exist",
    ]


BLENDER_TESTS = {
    "tests/conftest.py": (
        "import pytest\n\n@pytest.fixture\ndef bpy_module():\n    return pytest.importorskip('bpy')\n\n"
        "@pytest.fixture\ndef empty_scene(bpy_module):\n    return bpy_module.context.scene\n"
    ),
    "tests/test_marked.py": (
        "import pytest\nimport bpy\npytestmark = [pytest.mark.blender, pytest.mark.slow]\n\n"
        "def test_a():\n    assert bpy\n"
    ),
    "tests/test_mixed.py": """import subprocess, sys
import pytest

SCRIPT = 'tests/blender_scripts/check.py'
PURE = "import sys; sys.modules['bpy'] = None\\nimport duet.model.spec"


@pytest.fixture
def stage(empty_scene):
    return empty_scene


def bake(path):
    return subprocess.run([sys.executable, "-m", "duet", "demo", path])


def test_pure():
    subprocess.run([sys.executable, "-c", PURE])


def test_fixture(stage):
    pass


def test_helper():
    bake("x")


def test_script():
    subprocess.run([sys.executable, SCRIPT])


def test_code():
    subprocess.run([sys.executable, "-c", "import duet.addon.demo"])


def test_lazy_import():
    from duet.addon import demo


@pytest.mark.blender
def test_marked(bpy_module):
    pass
""",
}


def test_unmarked_tests_that_start_blender_are_found(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {**GOOD_TREE, **BLENDER_TESTS})
    blender = _Blender(modules, loads_blender(modules), cli_commands(tmp_path))
    assert "duet.addon.demo" in blender.loading and "duet.model.spec" not in blender.loading
    fixtures = blender_fixtures(tmp_path / "tests" / "conftest.py", blender)
    assert fixtures == {"bpy_module", "empty_scene"}
    assert unmarked_blender_tests(tmp_path / "tests" / "test_marked.py", blender, fixtures) == []
    problems = unmarked_blender_tests(tmp_path / "tests" / "test_mixed.py", blender, fixtures)
    assert [p.split(" starts")[0] for p in problems] == [
        "test_mixed.py::test_fixture",
        "test_mixed.py::test_helper",
        "test_mixed.py::test_script",
        "test_mixed.py::test_code",
        "test_mixed.py::test_lazy_import",
    ]
    assert "(uses stage)" in problems[0] and "(uses bake)" in problems[1]


def test_the_zip_check_catches_what_the_manifest_forgets(tmp_path: Path) -> None:
    files = {
        "__init__.py": "",
        "model/spec.py": "",
        "model/training/train.py": "",
        "tests/test_x.py": "",
        "tools/build.py": "",
        "model/__pycache__/spec.cpython-311.pyc": "",
    }
    _tree(tmp_path, files)
    patterns = '["__pycache__/", "/tests/", "/tools/", "/model/training/"]'
    manifest = f"wheels = []\n[build]\npaths_exclude_pattern = {patterns}\n"
    (tmp_path / "blender_manifest.toml").write_text(manifest, encoding="utf-8")
    left_out = read_contract(MINI_DOC).left_out_of_zip
    assert build_extension.zip_members(tmp_path) == ["__init__.py", "blender_manifest.toml", "model/spec.py"]
    assert zip_leaks(build_extension.zip_members(tmp_path), left_out) == []
    (tmp_path / "blender_manifest.toml").write_text(
        manifest.replace(', "/model/training/"', ""), encoding="utf-8"
    )
    assert zip_leaks(build_extension.zip_members(tmp_path), left_out) == ["model/training/train.py"]


def test_the_size_check_names_a_long_module_and_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(160))
    tree = {**GOOD_TREE, "model/spec.py": "def long():\n" + body + "\n" + "y = 1\n" * 600}
    problems = size_problems(tmp_path, _tree(tmp_path, tree))
    assert problems == [
        "model/spec.py: 761 lines (at most 700): split it along a seam",
        "model/spec.py:1 long() is 161 lines (at most 150)",
    ]
