"""Points programmes on the ledger: earn rules, exchange ratios, points mall, member tiers
and settlement between merchants."""
