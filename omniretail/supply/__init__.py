"""The producer-to-retailer channel: producer portal, regional selection, purchase orders,
shipments, routing and settlement."""
