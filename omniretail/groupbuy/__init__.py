"""Group-buy campaigns, groups and seats, verifiable draws, vouchers and consolation rewards."""
