"""Operations behind the CLI: init, serve, import, backup/restore, doctor."""
