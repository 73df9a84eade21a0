"""Share links, attribution, rebates, the one-level reseller programme, commissions and payouts."""
