"""A fund's money controls (廉政风险防控): earmarks and sources, budgets, caps and standards,
overrides, two-person approval and income review. See README, *Money controls*."""
