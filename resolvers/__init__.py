"""How each field gets its data: query functions, keyset paging and per-request DataLoaders."""
