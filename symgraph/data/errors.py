"""The errors of the data and parameter files (symgraph exceptions, so
``except symgraph.SymgraphError`` catches them)."""

from ..errors import SymgraphError


class DataFormatError(SymgraphError, ValueError):
    """A data or parameter file is truncated, damaged or not in its format."""


class DatasetNotFoundError(SymgraphError, FileNotFoundError):
    """A data set's files are not on this disk (symgraph never downloads)."""
