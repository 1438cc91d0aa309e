"""pytest hooks of pytest-snjwt."""
