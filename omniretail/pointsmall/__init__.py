"""The points mall (积分商城): goods priced in points, redeemed for pickup at a chosen store."""
