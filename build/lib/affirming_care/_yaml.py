"""Load YAML while remembering the line of every value, so errors can point at it.

Pydantic reports an error as a path of keys and indexes (``scenes.2.choices.0.next``). To tell an
author *which line* to fix, we compose the YAML node tree once and record the line of each path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    """The file is not valid YAML. Carries the file and line."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: not valid YAML: {problem}")
        self.path, self.line, self.problem = path, line, problem


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _walk(value_node, (*loc, key), lines)
            # A key's own line is where an author looks for it.
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), lines)


def load_with_lines(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Return the file's data and a map from each value's path to its 1-based line."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(path, line, str(exc.problem or exc)) from None
    if node is None:
        return None, {(): 1}
    lines: dict[Loc, int] = {}
    _walk(node, (), lines)
    return yaml.SafeLoader("").construct_document(node), lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of ``loc``, or of its nearest ancestor that exists in the file."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1
