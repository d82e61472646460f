"""Reading definition YAML safely and writing it back so that it reads the same way."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_NODES = 200_000
#: Definitions nest about eight levels; PyYAML composes recursively and would hit Python's recursion limit.
MAX_DEPTH = 64


class DefinitionLoader(yaml.SafeLoader):
    """A SafeLoader for definitions.

    - Only ``true``/``false`` are booleans: YAML 1.1 would turn ``code: yes`` into True.
    - Aliases are refused (no "billion laughs"), explicit tags are refused, and the node count and the
      nesting depth are capped.
    - A key given twice in one mapping is an error instead of silently keeping the last value.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML reads this class attribute; never mutated)
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._node_count = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            raise yaml.YAMLError(f"{_where(event.start_mark)}: YAML aliases (*name) are not allowed in definitions")
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.tag not in (None, "!"):
            raise yaml.YAMLError(f"{_where(event.start_mark)}: YAML tags ({event.tag}) are not allowed in definitions")
        self._node_count += 1
        if self._node_count > MAX_NODES:
            raise yaml.YAMLError(f"more than {MAX_NODES} YAML nodes")
        if self._depth >= MAX_DEPTH:
            raise yaml.YAMLError(f"{_where(event.start_mark)}: nested deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # PyYAML builds timestamps and integers with date() and int(): ``2026-13-45`` or an integer of more
        # than 4300 digits raises ValueError, which must be a YAML error like any other unreadable value.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as error:
            raise ConstructorError(None, None, f"cannot read {node.value!r:.40}: {error}", node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                continue  # a sequence or mapping as a key: super() refuses it as unhashable
            key = key_node.value
            if key in seen:
                raise yaml.YAMLError(f"{_where(key_node.start_mark)}: key {key!r} appears twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


DefinitionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def read_yaml(text: str) -> Any:
    """Parse one YAML document with :class:`DefinitionLoader`; raises ``yaml.YAMLError``."""
    loader = DefinitionLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _DefinitionDumper(yaml.SafeDumper):
    pass


# Other YAML 1.1 readers also take y/n (and yes/no, on/off, which SafeDumper already quotes) as booleans.
_OTHER_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
_ALWAYS_QUOTE = re.compile(r"^(?:y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(char in value for char in _OTHER_LINE_BREAKS):
        # A reader folds NEL (U+0085) written raw in a plain, quoted or block scalar: only an escape keeps it.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _ALWAYS_QUOTE.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_DefinitionDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """YAML text for a definition-like structure: key order kept, Unicode as is, "yes"/"no" quoted."""
    return yaml.dump(
        data,
        Dumper=_DefinitionDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
