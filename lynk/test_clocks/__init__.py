"""Test clocks (`/v1/test_helpers/test_clocks`): move time forward for one merchant's test customers."""
