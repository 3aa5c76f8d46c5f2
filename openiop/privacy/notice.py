"""The program's notice to patients of federal confidentiality requirements (42 CFR 2.22).

The header is the regulation's own wording (42 CFR 2.22(b)(1)(i)); the body is the
program's plain-language wording of the required elements (2.22(b)(1)(ii)-(viii)).
A new wording gets a new `NOTICE_VERSION`, so each `NoticeGiven` says which text was given.
https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-B/section-2.22
"""

from __future__ import annotations

NOTICE_VERSION = "2026-02"
EFFECTIVE = "16 February 2026"

# The regulation's wording (42 CFR 2.22(b)(1)(i)).
HEADER_TITLE = "Notice of Privacy Practices of {program}"
HEADER_DESCRIBES = (
    "This notice describes: HOW HEALTH INFORMATION ABOUT YOU MAY BE USED AND DISCLOSED; "
    "YOUR RIGHTS WITH RESPECT TO YOUR HEALTH INFORMATION; HOW TO FILE A COMPLAINT "
    "CONCERNING A VIOLATION OF THE PRIVACY OR SECURITY OF YOUR HEALTH INFORMATION, OR OF "
    "YOUR RIGHTS CONCERNING YOUR INFORMATION"
)

# The program's wording of the body (plain language, not the regulation's text).
BODY: tuple[tuple[str, str], ...] = (
    (
        "Federal law protects your records",
        "Your substance use disorder treatment records are protected by federal law "
        "(42 CFR part 2). We may not say that you attend this program, or share anything "
        "about your treatment, except as this notice describes.",
    ),
    (
        "Treatment, payment and running the program",
        "With one written consent from you, we may use and share your records for your "
        "treatment, to be paid for your care, and to run this program. You can choose not "
        "to sign it.",
    ),
    (
        "Other disclosures need your written consent",
        "Anything else, such as proof of attendance for an employer, a court or a family "
        "member, needs a separate written consent that names who receives what and why. "
        "Counseling notes need a consent of their own. In a medical emergency we may share "
        "what medical staff need to treat you (42 CFR 2.51).",
    ),
    (
        "Your rights",
        "You may revoke a consent in writing at any time, except where we already acted on "
        "it (42 CFR 2.31). You may ask for a list of the disclosures we made with your "
        "consent in the past 3 years (42 CFR 2.25). You may ask us to limit what we share, "
        "and we must agree if you paid in full yourself and the disclosure is to your health "
        "plan (42 CFR 2.26). You may ask for a paper copy of this notice at any time.",
    ),
    (
        "Complaints",
        "If you think your privacy was not respected you may complain to the program's "
        "privacy officer and to the Secretary of the U.S. Department of Health and Human "
        "Services. You will not be treated differently for complaining.",
    ),
    ("Effective date", f"This notice takes effect on {EFFECTIVE}."),
)


def title(program: str) -> str:
    return HEADER_TITLE.format(program=program)
