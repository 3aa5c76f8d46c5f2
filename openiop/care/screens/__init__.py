"""Drug screens: orders (cup or laboratory), results by substance class, and the prescriptions
that make a positive expected rather than use. An unexpected positive opens the relapse
response (``care.relapse``)."""
