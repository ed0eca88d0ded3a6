"""The card vault: the only module that ever holds a card number (PAN) in plaintext.

Numbers are encrypted at rest with envelope encryption (`crypto`), identified across
the network by a keyed fingerprint, and described by facts that are safe to show
(`cards`: brand, last4, funding, country). `logfilter` masks anything shaped like a
PAN in every log line.
"""
