"""Impact's reads of other apps' records."""
