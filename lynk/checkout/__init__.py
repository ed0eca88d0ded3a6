"""Checkout: the Checkout Sessions API, the hosted checkout page, the payment element and `lynk.js`."""
