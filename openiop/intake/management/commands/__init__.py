"""Management commands of the intake app (`openiop score ...`)."""
