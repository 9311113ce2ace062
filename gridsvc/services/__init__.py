"""Domain services: decisions and transactions between the API/CLI and repositories."""
