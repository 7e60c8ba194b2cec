"""Disclosure control of linked cumulative tables: the model, the rule, the attacker, repair."""
