"""Store-backed use cases: a file into the store (`ingest`), the verdicts and reports from it (`report`),
the one pass over its documents the reports need (`scan`). The pure per-document path is `pipeline.stages`;
the store's tables are known only to `pipeline.store`."""
