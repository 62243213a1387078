"""Application services of the documents context. They never commit: the unit of work does."""
