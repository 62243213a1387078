"""Edit distance for "Meinten Sie …" suggestions (optimal string alignment, bounded)."""

from __future__ import annotations


def bounded_distance(a: str, b: str, limit: int) -> int | None:
    """Damerau-Levenshtein (OSA) distance of ``a`` and ``b`` if it is ``<= limit``, else ``None``.

    Stops as soon as a whole row exceeds ``limit``, so scanning a large vocabulary stays cheap.
    """
    if abs(len(a) - len(b)) > limit:
        return None
    if a == b:
        return 0
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        ai = a[i - 1]
        row_min = i
        for j in range(1, len(b) + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            row_min = min(row_min, v)
        if row_min > limit:
            return None
        prev2, prev = prev, cur
    d = prev[len(b)]
    return d if d <= limit else None
