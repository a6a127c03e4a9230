"""Why a file could not be ingested. The message is shown to users as is."""

from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be turned into a document; `reason` is a short code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


class TransientIngestError(IngestError):
    """An I/O failure worth retrying (a network filesystem hiccup), unlike a parse error."""
