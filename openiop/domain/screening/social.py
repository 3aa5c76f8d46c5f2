"""AHC HRSN: the CMS Accountable Health Communities Health-Related Social Needs Screening Tool,
its 10 core questions (living situation, food, transportation, utilities, interpersonal safety).

What is encoded, and where it was verified ([V] authoritative, [S] secondary copies only):

- Questions, answer options, order (1-2 living situation, 3-4 food, 5 transportation,
  6 utilities, 7-10 safety) and the rule "underlined answers are positive; for safety, a sum of
  questions 7-10 above 10 is positive": CMS, "Accountable Health Communities Core Health-Related
  Social Needs Screening Questions" (copy at docslib.org/doc/13849525) [S]; CMS, "A Guide to Using
  the Accountable Health Communities Health-Related Social Needs Screening Tool: Promising
  Practices and Key Insights", June 2021 (copy at readkong.com/page/promising-practices-and-key-
  insights-a-guide-to-using-the-6785935) [S]; the tool itself,
  www.cms.gov/priorities/innovation/files/worksheets/ahcm-screeningtool.pdf, as reproduced with
  its LOINC codes and underlined answers in the New York State SHIN-NY HRSN FHIR guide [S].
- Living situation: option 2 ("a place to live today, but worried about losing it") or option 3
  ("no steady place to live") is a housing need; housing problems: any problem checked (anything
  but "none of the above") is a need: PhenX protocol 281401 quoting the AHC tool,
  www.phenxtoolkit.org/protocols/view/281401 [S].
- Food: "often true" or "sometimes true" on either question; transportation: "yes"; utilities:
  "yes" or "already shut off": the underlined answers of the tool (SHIN-NY copy above) and
  help.blueprint-health.com/en/articles/5208380 [S].
- Safety: Never 1, Rarely 2, Sometimes 3, Fairly often 4, Frequently 5; the sum of the four
  (4-20) above 10 (11 or more) is positive. This is the HITS scoring (Sherin et al., Fam Med
  1998;30:508) kept by CMS [S: SHIN-NY copy, RNAO HITS page]. No rule making a single answer
  positive was found in the CMS material; De Marchis et al. (Am J Prev Med, via
  sirenetwork.ucsf.edu "Screening for interpersonal violence: missed opportunities and potential
  harms") found that >80% of people reporting any physical violence scored below 11. So a single
  answer is not flagged here: the sum is the published rule, and a clinician reads the answers.
- LOINC [V], from HL7 US Core's AHC HRSN examples (hl7.org/fhir/us/core/
  Observation-AHC-HRSN-panel-example-96777-8.html; github.com/HL7/US-Core
  input/examples/Observation-AHC-HRSN-item-example-*.json): panel 96777-8; 71802-3 housing status;
  96778-6 problems with place where you live; 88122-7 and 88123-5 food (U.S. FSS); 93030-5
  transportation; 96779-4 utilities; 95618-5 physically hurt, 95617-7 insult or talk down,
  95616-9 threaten with harm, 95615-1 scream or curse (HITS); 95614-4 HITS total score. Answer
  codes LA31993-1, LA31996-4, LA32000-4, LA28398-8, LA32-8, LA6270-8 [V: same examples]; the
  other LA codes [S: SHIN-NY copy].

Encoding (see docs/instruments.md): options are ordered by need, 0 meaning none, because the
engine's points items carry their own points; the tool's option numbers are given in the labels
of docs. The housing-problems question is "check all that apply": it is seven yes/no sub-items
"2a".."2g" (one per problem, in the tool's order); "none of the above" is all seven false. Each
sub-item must be answered: a missing one is refused, never read as "no". The sub-items carry no
item LOINC code (they are answers LA31996-4..LA32001-2 to question 96778-6, not questions).

Total: only the safety sum is a published score, so the total is items 7-10 (4-20) with bands
`negative` (4-10) and `positive` (11-20) for safety alone; the other domains are flags. No flag is
urgent: urgent flags open a suicide-risk safety task, which these findings are not.
"""

from __future__ import annotations

from openiop.domain.screening.model import (
    AnswerOption,
    Band,
    Flag,
    Instrument,
    Item,
    ItemKind,
)
from openiop.domain.screening.rules import Answer, Total, any_of

_GUIDE = "CMS AHC HRSN Screening Tool (2017) and Guide (June 2021)"

_LIVING = (
    AnswerOption(0, 0, "Steady place to live", "LA31993-1"),
    AnswerOption(1, 1, "Place to live today, but worried about losing it", "LA31994-9"),
    AnswerOption(2, 2, "No steady place to live", "LA31995-6"),
)

# (key, short label, LOINC answer code of the problem in question 96778-6)
_PROBLEMS = (
    ("2a", "Pests such as bugs, ants or mice", "LA31996-4"),
    ("2b", "Mold", "LA28580-1"),
    ("2c", "Lead paint or pipes", "LA31997-2"),
    ("2d", "Lack of heat", "LA31998-0"),
    ("2e", "Oven or stove not working", "LA31999-8"),
    ("2f", "Smoke detectors missing or not working", "LA32000-4"),
    ("2g", "Water leaks", "LA32001-2"),
)

_FOOD = (
    AnswerOption(0, 0, "Never true", "LA28398-8"),
    AnswerOption(1, 1, "Sometimes true", "LA6729-3"),
    AnswerOption(2, 2, "Often true", "LA28397-0"),
)

_UTILITIES = (
    AnswerOption(0, 0, "No", "LA32-8"),
    AnswerOption(1, 1, "Yes, threatened to shut off", "LA33-6"),
    AnswerOption(2, 2, "Already shut off", "LA32002-0"),
)

_YES_NO = (AnswerOption(True, 1, "Yes", "LA33-6"), AnswerOption(False, 0, "No", "LA32-8"))

SAFETY_OPTIONS = (
    AnswerOption(1, 1, "Never", "LA6270-8"),
    AnswerOption(2, 2, "Rarely", "LA10066-1"),
    AnswerOption(3, 3, "Sometimes", "LA10082-8"),
    AnswerOption(4, 4, "Fairly often", "LA16644-9"),
    AnswerOption(5, 5, "Frequently", "LA6482-9"),
)

_SAFETY = (
    ("7", "How often anyone, including family and friends, physically hurts you", "95618-5"),
    ("8", "How often anyone insults you or talks down to you", "95617-7"),
    ("9", "How often anyone threatens you with harm", "95616-9"),
    ("10", "How often anyone screams or curses at you", "95615-1"),
)

PROBLEM_KEYS = tuple(key for key, _label, _code in _PROBLEMS)
SAFETY_KEYS = tuple(key for key, _label, _code in _SAFETY)


def _problem(key: str, label: str, answer_code: str) -> Item:
    options = (AnswerOption(True, 1, "Yes", answer_code), AnswerOption(False, 0, "No"))
    return Item(key, f"Problem with the place you live: {label}", ItemKind.YES_NO, options)


AHC_HRSN = Instrument(
    id="ahc_hrsn",
    name="Accountable Health Communities Health-Related Social Needs Screening Tool",
    edition="AHC HRSN Screening Tool, core questions (CMS 2017; guide June 2021)",
    version="1.0.0",
    source=(
        "CMS Center for Medicare and Medicaid Innovation, AHC HRSN Screening Tool (2017) and "
        "'A Guide to Using the AHC HRSN Screening Tool' (June 2021); HITS, Sherin et al. 1998"
    ),
    items=(
        Item("1", "Living situation today", ItemKind.POINTS, _LIVING, loinc="71802-3"),
        *(_problem(key, label, code) for key, label, code in _PROBLEMS),
        Item(
            "3",
            "Past 12 months: worried food would run out before there was money to buy more",
            ItemKind.POINTS,
            _FOOD,
            loinc="88122-7",
        ),
        Item(
            "4",
            "Past 12 months: food bought didn't last and there was no money to get more",
            ItemKind.POINTS,
            _FOOD,
            loinc="88123-5",
        ),
        Item(
            "5",
            "Past 12 months: lack of reliable transportation kept you from medical appointments, "
            "meetings, work or getting things needed for daily living",
            ItemKind.YES_NO,
            _YES_NO,
            loinc="93030-5",
        ),
        Item(
            "6",
            "Past 12 months: electric, gas, oil or water company threatened to shut off services",
            ItemKind.POINTS,
            _UTILITIES,
            loinc="96779-4",
        ),
        *(
            Item(key, label, ItemKind.POINTS, SAFETY_OPTIONS, loinc=code)
            for key, label, code in _SAFETY
        ),
    ),
    total_items=SAFETY_KEYS,
    bands=(
        Band.range("negative", "Interpersonal safety: negative (sum 4-10)", 4, 10),
        Band.range("positive", "Interpersonal safety: positive (sum 11-20)", 11, 20),
    ),
    flags=(
        Flag(
            "hrsn_housing_instability",
            "Housing instability: worried about losing housing or no steady place to live",
            Answer("1", ">=", 1),
            f"{_GUIDE}: living situation options 2 and 3 are positive",
        ),
        Flag(
            "hrsn_housing_quality",
            "Housing quality: problems with the place where they live",
            any_of(*(Answer(key, "==", True) for key in PROBLEM_KEYS)),
            f"{_GUIDE}: any housing problem other than 'none of the above' is positive",
        ),
        Flag(
            "hrsn_food",
            "Food insecurity: food worries or food running out (often or sometimes true)",
            any_of(Answer("3", ">=", 1), Answer("4", ">=", 1)),
            f"{_GUIDE}: 'often true' or 'sometimes true' on either food question is positive",
        ),
        Flag(
            "hrsn_transportation",
            "Transportation: lack of transportation kept them from care or daily needs",
            Answer("5", "==", True),
            f"{_GUIDE}: 'yes' to the transportation question is positive",
        ),
        Flag(
            "hrsn_utilities",
            "Utilities: shut-off threatened or already shut off",
            Answer("6", ">=", 1),
            f"{_GUIDE}: 'yes' or 'already shut off' to the utilities question is positive",
        ),
        Flag(
            "hrsn_interpersonal_safety",
            "Interpersonal safety: safety sum 11 or more, the person may not be safe",
            Total(at_least=11),
            f"{_GUIDE}: safety questions scored 1-5, a sum above 10 is positive (HITS)",
        ),
    ),
    loinc_panel="96777-8",
    loinc_total="95614-4",
)
