"""CPython's own `ast` of Python files as JSON, in the shape of src/ecosystems/spack/package-hash/python-ast.ts.

Test support only (python3 is a test dependency, never a runtime one): the oracle that the
TypeScript syntax-tree-to-AST conversion is compared with, and a ready-made AST for unparser tests.

    python3 python-ast-json.py FILE...      one JSON line per file: {"path", "ast"} or {"path", "error"}
"""
import ast
import json
import math
import sys

SKIP_FIELDS = {"type_comment", "type_ignores"}


def constant(value):
    if value is None or isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": "inf" if math.isinf(value) else value}
    if isinstance(value, complex):
        return {"complex": "inf" if math.isinf(value.imag) else value.imag}
    if isinstance(value, bytes):
        return {"bytes": value.decode("latin-1")}
    if value is Ellipsis:
        return {"ellipsis": True}
    raise TypeError(f"unexpected constant {value!r}")


def convert(node):
    if isinstance(node, list):
        return [convert(n) for n in node]
    if isinstance(node, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
        return type(node).__name__
    if isinstance(node, ast.AST):
        out = {"_type": type(node).__name__}
        for field in node._fields:
            if field in SKIP_FIELDS:
                continue
            value = getattr(node, field, None)
            if isinstance(node, ast.Constant) and field == "value":
                out[field] = constant(value)
            else:
                out[field] = convert(value)
        return out
    return node  # str, int (level, is_async, conversion), None


def main(paths):
    for path in paths:
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read())
            print(json.dumps({"path": path, "ast": convert(tree)}, ensure_ascii=False))
        except SyntaxError as e:
            print(json.dumps({"path": path, "error": f"{e.msg} (line {e.lineno})"}))


if __name__ == "__main__":
    main(sys.argv[1:])
