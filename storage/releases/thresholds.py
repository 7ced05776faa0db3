"""k: the smallest group of people a release shows anything about (MITSPRACHE_K_ANONYMITY)."""

from __future__ import annotations

DEFAULT_K = 5
# Health answers are the most sensitive: a larger group is needed before details are shown.
SENSITIVE_K = {"gesundheit": 10}


def k_for(field_id: str, k: int = DEFAULT_K) -> int:
    return max(k, SENSITIVE_K.get(field_id, k))
