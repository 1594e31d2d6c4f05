"""YAML for document metadata (front matter, sidecar files): mappings of plain values only.

PyYAML's safe loader still expands aliases, so a few hundred bytes of nested ``&a [*b, *b]``
become gigabytes (the "billion laughs"). Metadata never needs an alias: one is refused with a
reason. Dates stay text here (``as_date`` in ingest.metadata reads them), so a date like
``2026-13-01`` is a field with a bad value to report, not an exception from deep in YAML.
"""

from __future__ import annotations

from typing import Any, ClassVar

import yaml

from config.errors import IngestError

MAX_YAML_CHARS = 64_000  # metadata is a few lines; more is not metadata
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class MetadataLoader(yaml.SafeLoader):
    """SafeLoader without aliases and without implicit timestamps."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[Any]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise IngestError(f"{self.source_name} uses a YAML alias (*name) on line "
                              f"{mark.line + 1}: write the value out instead")
        return super().compose_node(parent, index)

    source_name = "the metadata"


def load_metadata_yaml(text: str, where: str) -> Any:
    """Parse metadata YAML from ``where`` (e.g. "the front matter"); YAMLError if it is not
    YAML, IngestError if it is YAML Guide refuses."""
    if len(text) > MAX_YAML_CHARS:
        raise IngestError(f"{where} is {len(text):,} characters long; metadata is at most "
                          f"{MAX_YAML_CHARS:,}")
    loader = MetadataLoader(text)
    loader.source_name = where
    try:
        return loader.get_single_data()
    except RecursionError as exc:  # thousands of nested [[[...]]]
        raise IngestError(f"{where} is nested too deeply to be metadata") from exc
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise IngestError(f"{where} has a value that cannot be read: {exc}") from exc
    finally:
        loader.dispose()
