"""Rules: loading and validating them, indexing them, evaluating events against them."""
