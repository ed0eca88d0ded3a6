"""PaymentIntents, Charges and Refunds (the state machine and the confirm pipeline); SetupIntents in `setup_intents`."""
