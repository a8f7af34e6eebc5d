"""Delivery: dedupe, durable outbox, per-destination queues, retry, notifiers."""
