"""The connectors library's errors. Each says what is wrong and where (row, column), so the
lab can show it to a user as is; the lab maps them to its own error hierarchy."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of the library's errors. `message` is safe to show to the user."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
        self.message = str(self)
        self.row = row
        self.column = column


class SourceError(ConnectorError):
    """The source cannot be read as given: encoding, shape, a vanished file or table."""


class SpecError(ConnectorError):
    """The import spec is invalid: an unknown operator, column or parameter."""


class PrivacyError(ConnectorError):
    """The data cannot be made safe as asked (k-anonymity unreachable, PII left in text)."""


class SinglePassMissed(ConnectorError):
    """An import read in one pass guessed wrong (k-anonymity needs coarser levels or
    suppression, or a surrogate's fake turned out to be a real value further on). Nothing it
    produced may be kept: the caller discards it and runs the import in two passes."""


class ResidualLeak(PrivacyError):
    """The residual scan found PII in what the import was about to write: the import fails
    and writes nothing. The message names the column, the entity and a count, never a
    value."""


class FreeTextUnclean(PrivacyError):
    """The residual scan found PII in free-text columns that the spec allows to drop
    (`free_text: scrub_or_drop`). Nothing this run produced may be kept: the caller runs the
    import again with `columns` (name -> why) dropped."""

    def __init__(self, columns: dict[str, str]) -> None:
        listed = "; ".join(f"{name!r}: {why}" for name, why in columns.items())
        super().__init__(f"free text to drop, PII remains in it: {listed}")
        self.columns = columns
