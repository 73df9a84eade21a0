"""QR code batches printed on packaging, their scans, and scan-to-join."""
