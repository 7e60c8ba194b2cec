"""The council API: scoped, audited reads of published releases (JSON, CSV, dashboard)."""
