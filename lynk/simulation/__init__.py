"""The test-mode simulator's memory kept in a database, as a processor keeps its own (see `store`)."""
