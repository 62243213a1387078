"""Placeholder CLI entry; replaced by the dms core."""


def main() -> None:  # pragma: no cover
    raise SystemExit("aktenwerk: CLI not built yet")
