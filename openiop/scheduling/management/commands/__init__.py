"""`openiop schedule ...`: the weekly scheduling command-line contract."""
