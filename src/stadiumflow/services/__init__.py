"""Use cases: ingest, process a batch, query. They take ports as arguments."""
