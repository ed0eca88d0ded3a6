"""Products and Prices: the catalogue merchants sell from (`/v1/products`, `/v1/prices`)."""
