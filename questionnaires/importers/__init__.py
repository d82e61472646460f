"""Importers that turn other people's checksheets into definition structures (see FORMAT.md)."""

from questionnaires.importers.mapping import TableImportError, TableMapping, load_mapping
from questionnaires.importers.table import import_table
from questionnaires.importers.vsaq import VsaqImport, VsaqImportError, import_vsaq
from questionnaires.importers.writing import definition_yaml, write_definition_yaml

__all__ = [
    "TableImportError",
    "TableMapping",
    "VsaqImport",
    "VsaqImportError",
    "definition_yaml",
    "import_table",
    "import_vsaq",
    "load_mapping",
    "write_definition_yaml",
]
