"""Every figure of SPEC section 3 as plain data, by SQL."""
