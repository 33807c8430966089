"""Signed webhooks (Standard Webhooks) about calls, their transcripts and recordings.

``events`` names the event types; ``outbox`` is what the services call inside a write's
transaction; ``subscriptions`` the cached answer to "does anyone listen?"; ``tasks`` the
worker's side (fan-out, then one delivery task per message); ``delivery`` one attempt and
its retry schedule; ``sender`` the HTTP POST; ``addresses`` which URLs and addresses are
allowed; ``signing`` the secrets (encrypted at rest) and the signature headers.
"""
