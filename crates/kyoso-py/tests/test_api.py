"""Every public name is documented (help() shows it) and typed (the .pyi stub names it)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import kyoso
from kyoso import _kyoso, classic, explore


def test_every_public_name_has_a_docstring():
    missing = []
    for module in (kyoso, classic, explore):
        for name in module.__all__:
            obj = getattr(module, name)
            if name == "__version__" or isinstance(obj, type(kyoso)):
                continue
            if not (inspect.getdoc(obj) or "").strip():
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if not (inspect.getdoc(member) or "").strip():
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert missing == []


def test_the_stub_names_every_native_name():
    stub = Path(_kyoso.__file__).with_name("_kyoso.pyi")
    if not stub.exists():  # an editable install keeps the stub beside the sources
        stub = Path(kyoso.__file__).with_name("_kyoso.pyi")
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    native = {n for n in dir(_kyoso) if not n.startswith("__")}
    assert native - declared == set()
    assert (Path(kyoso.__file__).parent / "py.typed").exists()
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for cls in ("Scenario", "Run", "Simulation"):
        members = {m.name for m in classes[cls].body if isinstance(m, ast.FunctionDef)}
        public = {m for m in dir(getattr(_kyoso, cls)) if not m.startswith("__")}
        assert public - members == set(), cls
