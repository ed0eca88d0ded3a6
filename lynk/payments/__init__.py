"""PaymentIntents and Charges: the state machine and the confirm pipeline."""
