"""Returns (S5, B12): the customer asks through the online form, the seller approves (a return
label) or rejects, receives the goods (back to stock or written off, through the stock ledger),
then refunds them or sends a replacement (an exchange order)."""
