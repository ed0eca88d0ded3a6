"""SetupIntents: saving a payment method for later, its attempts, and the mandates that let a merchant
charge it off-session.

A subpackage of `payments` rather than a domain of its own: a SetupIntent runs the same stages as a
PaymentIntent's confirmation (risk, 3-D Secure through the same challenge page, a logged processor
call), and the PaymentIntent pipeline asks `mandates` whether a card was set up before charging it
off-session, so both sides must see each other without an import cycle between domains.
"""
