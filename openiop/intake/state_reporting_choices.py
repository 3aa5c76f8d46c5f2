"""The answers OpenIOP records for the state treatment episode report, in its own words.

The values are OpenIOP's; the codes the state receives are decided in one place,
``openiop.domain.teds.codes`` (which names its sources: the SAMHSA TEDS State Instruction
Manual v3.2 and the TEDS-A 2023 public use file codebook). A test checks that every value
here has a code there. Shared by the admission's details (``intake.StateReportingDetails``)
and the discharge (``care.Discharge``).
"""

from __future__ import annotations

from django.db import models


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class Employment(models.TextChoices):
    FULL_TIME = "full_time", "Working full time (35 hours a week or more)"
    PART_TIME = "part_time", "Working part time (under 35 hours a week)"
    UNEMPLOYED = "unemployed", "Unemployed: looking for work or laid off"
    NOT_IN_LABOR_FORCE = "not_in_labor_force", "Not looking for work"


class NotInLaborForce(models.TextChoices):
    HOMEMAKER = "homemaker", "Homemaker"
    STUDENT = "student", "Student"
    RETIRED = "retired", "Retired"
    DISABLED = "disabled", "Disabled"
    INSTITUTION = "institution", "Living in an institution (hospital, jail, prison)"
    OTHER = "other", "Other"


class Living(models.TextChoices):
    HOMELESS = "homeless", "Experiencing homelessness (no fixed address, shelter)"
    DEPENDENT = "dependent", "Supervised setting, or a child living with family or foster care"
    INDEPENDENT = "independent", "Living independently"


class Marital(models.TextChoices):
    NEVER_MARRIED = "never_married", "Never married"
    MARRIED = "married", "Married or living as married"
    SEPARATED = "separated", "Separated"
    DIVORCED = "divorced", "Divorced"
    WIDOWED = "widowed", "Widowed"


class Race(models.TextChoices):
    ALASKA_NATIVE = "alaska_native", "Alaska Native (Aleut, Eskimo)"
    AMERICAN_INDIAN = "american_indian", "American Indian"
    BLACK = "black", "Black or African American"
    WHITE = "white", "White"
    ASIAN = "asian", "Asian"
    PACIFIC_ISLANDER = "pacific_islander", "Native Hawaiian or other Pacific Islander"
    OTHER = "other", "Another single race"
    MULTIPLE = "multiple", "Two or more races"


class Ethnicity(models.TextChoices):
    PUERTO_RICAN = "puerto_rican", "Puerto Rican"
    MEXICAN = "mexican", "Mexican"
    CUBAN = "cuban", "Cuban"
    OTHER_HISPANIC = "other_hispanic", "Other Hispanic or Latino origin"
    NOT_HISPANIC = "not_hispanic", "Not Hispanic or Latino"
    HISPANIC_UNSPECIFIED = "hispanic_unspecified", "Hispanic or Latino, origin not specified"


class Substance(models.TextChoices):
    NONE = "none", "None"
    ALCOHOL = "alcohol", "Alcohol"
    COCAINE = "cocaine", "Cocaine or crack"
    MARIJUANA = "marijuana", "Marijuana or hashish"
    HEROIN = "heroin", "Heroin"
    METHADONE = "methadone", "Methadone not prescribed"
    OTHER_OPIOIDS = "other_opioids", "Other opioids (oxycodone, fentanyl, ...)"
    PCP = "pcp", "PCP"
    HALLUCINOGENS = "hallucinogens", "Hallucinogens"
    METHAMPHETAMINE = "methamphetamine", "Methamphetamine"
    OTHER_AMPHETAMINES = "other_amphetamines", "Other amphetamines"
    OTHER_STIMULANTS = "other_stimulants", "Other stimulants"
    BENZODIAZEPINES = "benzodiazepines", "Benzodiazepines"
    OTHER_TRANQUILIZERS = "other_tranquilizers", "Other tranquilizers"
    BARBITURATES = "barbiturates", "Barbiturates"
    OTHER_SEDATIVES = "other_sedatives", "Other sedatives or sleeping pills"
    INHALANTS = "inhalants", "Inhalants"
    OVER_THE_COUNTER = "over_the_counter", "Over-the-counter medicines"
    OTHER = "other", "Another drug"


class Route(models.TextChoices):
    ORAL = "oral", "By mouth"
    SMOKING = "smoking", "Smoking"
    INHALATION = "inhalation", "Inhaling or snorting"
    INJECTION = "injection", "Injection"
    OTHER = "other", "Other"


class UseFrequency(models.TextChoices):
    NONE = "none", "No use in the past month"
    MONTHLY = "monthly", "1 to 3 days in the past month"
    WEEKLY = "weekly", "1 or 2 days a week"
    MOST_DAYS = "most_days", "3 to 6 days a week"
    DAILY = "daily", "Daily"


class Income(models.TextChoices):
    WAGES = "wages", "Wages or salary"
    PUBLIC_ASSISTANCE = "public_assistance", "Public assistance"
    RETIREMENT = "retirement", "Retirement or pension"
    DISABILITY = "disability", "Disability"
    OTHER = "other", "Other"
    NONE = "none", "None"


class Insurance(models.TextChoices):
    PRIVATE = "private", "Private insurance"
    BLUE_CROSS = "blue_cross", "Blue Cross / Blue Shield"
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    HMO = "hmo", "Health maintenance organization (HMO)"
    OTHER = "other", "Other (for example TRICARE)"
    NONE = "none", "None"


class Payment(models.TextChoices):
    SELF_PAY = "self_pay", "Self-pay"
    BLUE_CROSS = "blue_cross", "Blue Cross / Blue Shield"
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    OTHER_GOVERNMENT = "other_government", "Other government payment"
    WORKERS_COMP = "workers_comp", "Workers' compensation"
    OTHER_INSURANCE = "other_insurance", "Other health insurance"
    NO_CHARGE = "no_charge", "No charge (free, charity)"
    OTHER = "other", "Other"


class SelfHelp(models.TextChoices):
    NONE = "none", "Did not attend"
    LESS_THAN_WEEKLY = "less_than_weekly", "Less than once a week"
    WEEKLY = "weekly", "About once a week"
    TWICE_WEEKLY = "twice_weekly", "2 or 3 times a week"
    MOST_DAYS = "most_days", "4 or more times a week"
    SOME = "some", "Attended, how often not known"


class ReferralDetail(models.TextChoices):
    """Refines OpenIOP's referral sources where the state counts apart what OpenIOP groups."""

    COURT = "court", "Court, probation, parole or other criminal justice"
    EMPLOYER = "employer", "Employer or employee assistance program"
    SCHOOL = "school", "School"
    COMMUNITY = "community", "Community agency, church or self-help group"


class OtherEnding(models.TextChoices):
    """Why treatment ended, where none of the discharge types says it."""

    INCARCERATED = "incarcerated", "Went to jail or prison"
    DIED = "died", "Died"
    OTHER = "other", "Another reason (moved away, illness, ...)"
