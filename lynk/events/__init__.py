"""Events: `record` writes one in the caller's transaction; the Events API reads them."""
