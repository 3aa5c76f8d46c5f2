"""`openiop schedule ...`: the weekly scheduling command-line contract (issue 4)."""
