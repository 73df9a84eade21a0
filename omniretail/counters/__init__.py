"""Smart sales counters: device identity, bays, signed commands, telemetry, scan leads,
repairs and replenishment."""
