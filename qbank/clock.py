"""The one place qbank reads the clock override for reproducible output.

SOURCE_DATE_EPOCH (reproducible-builds.org) pins every date qbank writes:
paper and zip timestamps, and the created/updated dates of new questions.
"""

from __future__ import annotations

import os

from qbank.errors import QbankError


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as seconds since 1970, None when unset; an error when malformed."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise QbankError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds since 1970") from None
