"""Stripe's wire conventions, done once for every resource.

Form and query decoding with bracket notation (`forms`), typed parameters whose
errors name the `param` (`params`), routing with auth and idempotency (`routing`),
list objects and pagination (`lists`), `expand[]` (`expand`) and the JSON bodies
of objects and errors (`responses`). Domain `endpoints.py` files build on these.
"""
