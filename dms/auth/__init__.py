"""Authentication: argon2 passwords, personal API tokens, browser sessions, principal loading."""
