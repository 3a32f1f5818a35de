"""The market: traffic allocation, purchase, returns."""
