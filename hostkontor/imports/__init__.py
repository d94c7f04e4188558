"""Generic, Django-free import framework: user-defined mappings for CSV, JSON and XML.

Used by the registrar inventory import (``hostkontor.domains.parsers``) and the usage
(traffic) imports.
"""

from hostkontor.imports.errors import ImportFormatError, MappingError
from hostkontor.imports.mapping import FieldSpec, Mapping, dump_mapping, load_mapping
from hostkontor.imports.reader import Record, read_records

__all__ = [
    "FieldSpec",
    "ImportFormatError",
    "Mapping",
    "MappingError",
    "Record",
    "dump_mapping",
    "load_mapping",
    "read_records",
]
