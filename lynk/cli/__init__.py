"""The `lynk` command line."""
