"""PaymentMethods of type `card`: create, retrieve, update, list, attach, detach."""
