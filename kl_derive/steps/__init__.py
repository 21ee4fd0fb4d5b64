"""Steps: the data a derivation is made of, the rules they cite, and their verification."""
