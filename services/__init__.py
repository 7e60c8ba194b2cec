"""The vaccination data share: ingest, aggregate and serve COVID-19 vaccination uptake."""
