"""One module per schema revision, oldest first (0001 = the first release's schema)."""
