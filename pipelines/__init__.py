"""Item pipelines: extraction (with platform clean-up), dedup, printing, storage."""
