"""Names of what storage offers that the command line shows as choices, without importing SQLAlchemy
(so that `mitsprache --help` stays quick). storage/releases/writers and storage/reviews.py use them."""

from __future__ import annotations

EXPORT_FORMATS = ("csv", "xlsx", "json", "html")
REVIEW_STATUSES = ("pending", "released", "withheld")
