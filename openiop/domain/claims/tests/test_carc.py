from openiop.domain.claims.carc import reason_in_words


def test_common_codes_in_words() -> None:
    assert reason_in_words("CO", "45").startswith("Contractual obligation: Charge exceeds")
    assert reason_in_words("PR", "1") == "Patient responsibility: Deductible amount."
    assert "authorization" in reason_in_words("CO", "197")


def test_unknown_code_is_named_not_guessed() -> None:
    assert reason_in_words("OA", "999") == "Other adjustment: Reason code 999 (see the X12 list)"
