"""The TimeLog direction: Uniconta's expenses and customers in TimeLog's shape (`imports`),
and the `faktura import` commands (`cli`)."""
