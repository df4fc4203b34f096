"""Signed webhooks: subscriptions, an outbox of events written with the change, deliveries."""
