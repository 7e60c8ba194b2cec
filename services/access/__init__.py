"""Who may do what: the roles an API key can have (pure; shared by the ingest and the API)."""
