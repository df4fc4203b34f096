"""The words of quantities in English news copy: number words, multipliers, approximations,
nouns that count people, months, and the words that say a number went up or down.

Plain data and the regex alternations built from it; the scanner and the parser read them.
"""

from __future__ import annotations

from decimal import Decimal

# The marker before a number, and the one way each is stored (Figure.Approximation).
APPROXIMATIONS = {
    "nearly": "nearly",
    "almost": "nearly",
    "just under": "nearly",
    "close to": "nearly",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "some": "about",
    "an estimated": "about",
    "estimated": "about",
    "more than": "more_than",
    "over": "more_than",
    "just over": "more_than",
    "at least": "more_than",
    "upwards of": "more_than",
    "in excess of": "more_than",
    "fewer than": "less_than",
    "less than": "less_than",
    "under": "less_than",
    "below": "less_than",
    "up to": "up_to",
    "as many as": "up_to",
    "as much as": "up_to",
}
APPROXIMATION_PHRASES = "|".join(sorted(APPROXIMATIONS, key=len, reverse=True))

# Nouns that make a count a count of people ("9,400 returns", "500 officers").
PEOPLE_NOUNS = (
    "people|persons?|individuals|migrants?|asylum[- ]seekers?|refugees?|returns|returnees|"
    "deportations|removals|arrivals|children|adults|pupils|students|patients|workers|staff|"
    "employees|officers|nurses|doctors|teachers|families|residents|citizens|voters|households|"
    "victims|offenders|prisoners|smugglers|traffickers|men|women|babies|"
    "apprentices|troops|soldiers|veterans|pensioners|claimants|visitors|tourists"
)
# Words that may stand between a number and its people noun ("500 more police officers").
PEOPLE_NOUN_MODIFIERS = (
    "more|additional|extra|new|other|fewer|illegal|irregular|small[- ]boat|"
    "foreign|failed|enforced|police|frontline|front-line|care|voluntary|young|older|British|UK"
)
# Words after a number that are not what it counts ("9,400 of them", "700 in 2023").
NOT_NOUNS = frozenset(
    {"of", "and", "or", "to", "in", "on", "the", "a", "an", "from", "for", "at", "by"}
)

MULTIPLIERS = {
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
}

SMALL_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
FRACTIONS = {
    "half": Decimal(1) / 2,
    "halves": Decimal(1) / 2,
    "third": Decimal(1) / 3,
    "thirds": Decimal(1) / 3,
    "quarter": Decimal(1) / 4,
    "quarters": Decimal(1) / 4,
    "fifth": Decimal(1) / 5,
    "fifths": Decimal(1) / 5,
    "tenth": Decimal(1) / 10,
    "tenths": Decimal(1) / 10,
}
# Verbs that state a change as a multiple, in percent ("doubled" = +100%).
CHANGE_WORDS = {"doubled": 100, "halved": -50, "tripled": 200, "trebled": 200, "quadrupled": 300}

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Full month names, case-sensitive inside case-insensitive patterns ("May", not "may").
MONTH_NAMES = (
    "(?-i:January|February|March|April|May|June|July|August|September|October|November|December)"
)
# Number words that can lead a spelled-out quantity ("two million"): not "a", "an", "hundred".
NUMBER_WORDS = "|".join(
    sorted((w for w in SMALL_WORDS if w not in {"a", "an", "hundred"}), key=len, reverse=True)
)
UNIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"  # "twenty-five"
# Digit-group separators in news copy: comma, space, no-break and thin spaces.
DIGIT_SEPARATOR = "[,\u00a0\u202f\u2009 ]"

UP_WORDS = r"up|rose|risen|rising|rises|increased|increases|increasing|grew|grown|growing|jumped|climbed|higher|more|increase|rise|jump|growth|surge|surged"
DOWN_WORD_ALTERNATION = r"down|fell|fallen|falling|falls|decreased|decreasing|dropped|declined|cut|reduced|lower|fewer|less|decrease|fall|drop|decline|reduction|cuts"
DOWN_WORDS = set(DOWN_WORD_ALTERNATION.split("|"))
