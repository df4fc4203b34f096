"""German as news copy writes quantities: "9.400 Menschen", "75 Millionen Pfund",
"um 19 % gegenüber 2023 gestiegen", "mehr als 100.000", "1,5 Mio. Euro".

The German `Grammar` (`GERMAN`): number symbols from Babel's "de" locale (decimal comma,
grouping point or space), German words of quantity, and the patterns built from them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol

from claims.figures.grammar import Grammar, alternation, digits_pattern, number_pattern

DECIMAL = get_decimal_symbol("de")
GROUP = get_group_symbol("de")

APPROXIMATIONS = {
    "fast": "nearly",
    "beinahe": "nearly",
    "nahezu": "nearly",
    "knapp": "nearly",
    "annähernd": "nearly",
    "etwa": "about",
    "ungefähr": "about",
    "rund": "about",
    "circa": "about",
    "ca.": "about",
    "zirka": "about",
    "schätzungsweise": "about",
    "mehr als": "more_than",
    "über": "more_than",
    "gut": "more_than",
    "mindestens": "more_than",
    "weniger als": "less_than",
    "unter": "less_than",
    "bis zu": "up_to",
}
SMALL_WORDS = {
    "ein": 1, "eine": 1, "einer": 1, "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70,
    "achtzig": 80, "neunzig": 90, "hundert": 100,
}  # fmt: skip
MULTIPLIERS = {
    "tausend": Decimal(10) ** 3,
    "tsd": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "millionen": Decimal(10) ** 6,
    "mio": Decimal(10) ** 6,
    "milliarde": Decimal(10) ** 9,
    "milliarden": Decimal(10) ** 9,
    "mrd": Decimal(10) ** 9,
    # German "Billion" is a million millions (10^12), not the English billion.
    "billion": Decimal(10) ** 12,
    "billionen": Decimal(10) ** 12,
    "bio": Decimal(10) ** 12,
}
FRACTIONS = {
    "hälfte": Decimal(1) / 2,
    "drittel": Decimal(1) / 3,
    "viertel": Decimal(1) / 4,
    "fünftel": Decimal(1) / 5,
    "zehntel": Decimal(1) / 10,
}
CHANGE_WORDS = {
    "verdoppelt": 100, "verdoppelte": 100, "verdoppelten": 100, "verdoppelte sich": 100,
    "verdreifacht": 200, "verdreifachte": 200, "verdreifachten": 200,
    "vervierfacht": 300, "vervierfachte": 300,
    "halbiert": -50, "halbierte": -50, "halbierten": -50,
}  # fmt: skip
MONTHS = "Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
PEOPLE_NOUNS = (
    "Menschen|Personen|Migranten|Migrantinnen|Zuwanderer|Einwanderer|Flüchtlinge|Geflüchtete|"
    "Asylbewerber|Asylsuchende|Schutzsuchende|Rückführungen|Abschiebungen|Rückkehrer|"
    "Ausreisepflichtige|Ankünfte|Kinder|Jugendliche|Erwachsene|Schüler|Schülerinnen|"
    "Studierende|Studenten|Patienten|Beschäftigte|Arbeitnehmer|Arbeitskräfte|Fachkräfte|"
    "Mitarbeiter|Mitarbeitende|Angestellte|Beamte|Polizisten|Polizistinnen|Pflegekräfte|"
    "Ärzte|Ärztinnen|Lehrer|Lehrkräfte|Familien|Einwohner|Bürger|Bürgerinnen|Wähler|Haushalte|"
    "Opfer|Straftäter|Täter|Häftlinge|Gefangene|Schleuser|Schlepper|Männer|Frauen|Babys|"
    "Soldaten|Rentner|Arbeitslose|Besucher|Touristen|Einsatzkräfte"
)
PEOPLE_MODIFIERS = "mehr|weitere|zusätzliche|neue|andere|illegale|irreguläre|ausländische|junge"
UP = (
    "Anstieg|Zuwachs|Plus|Steigerung|Zunahme|Erhöhung|Wachstum|stieg|stiegen|steigt|steigen|"
    "gestiegen|angestiegen|wuchs|wuchsen|gewachsen|wächst|erhöhte\\s+sich|erhöhten\\s+sich|"
    "erhöht|legte|legten|zugelegt|kletterte|kletterten"
)
DOWN = (
    "Rückgang|Minus|Abnahme|Senkung|Verringerung|Einbruch|sank|sanken|sinkt|sinken|gesunken|"
    "fiel|fielen|fällt|gefallen|verringerte\\s+sich|verringert|reduziert|reduzierte|"
    "schrumpfte|geschrumpft|zurückgegangen"
)
UP_AFTER = (
    "mehr|höher|gestiegen|angestiegen|gewachsen|zugenommen|zugelegt|gesteigert|erhöht|"
    "zu(?=\\s*[.,;])"
)
DOWN_AFTER = (
    "weniger|niedriger|gesunken|gefallen|abgenommen|zurückgegangen|zurück|verringert|gesenkt|"
    "geschrumpft|ab(?=\\s*[.,;])"
)
NOT_NOUNS = frozenset(
    [
        "und",
        "oder",
        "in",
        "im",
        "am",
        "an",
        "auf",
        "aus",
        "von",
        "vom",
        "zu",
        "zum",
        "zur",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "mit",
        "für",
        "gegenüber",
        "mehr",
        "weniger",
        "als",
        "pro",
        "bis",
        "nach",
        "seit",
    ]
)

GERMAN_PERIOD_RE = re.compile(
    rf"""\b(?:(?:im|in|während|für|seit|vom|des|dem|bis)\s+)?(?:(?:dem|der|den|das|des)\s+)?
    (?P<period>
        Jahr(?:e|es)?\s+(?:19|20)\d{{2}}
      | (?:ersten|zweiten|dritten|vierten|erste|zweite|dritte|vierte)\s+(?:Quartal|Halbjahr)
            (?:\s+(?:des\s+Jahres\s+)?(?:19|20)\d{{2}})?
      | zwischen\s+(?:(?:{MONTHS})\s+)?(?:19|20)\d{{2}}\s+und\s+(?:(?:{MONTHS})\s+)?(?:19|20)\d{{2}}
      | (?:19|20)\d{{2}}(?:\s?[/-]\s?\d{{2,4}})?(?!\d)
      | Vorjahr(?:es)?(?:szeitraum|zeitraum|monat|quartal)?(?:es|s)?
      | Vormonat(?:s)?|Vorquartal(?:s)?
      | (?:vergangenen|letzten|vorigen|abgelaufenen)\s+(?:Jahr|Jahres|Monat|Monats|Quartal|Jahrzehnt)
      | (?:dieses|diesem|laufenden|laufendes)\s+(?:Jahr|Jahres|Monat|Monats|Quartal)
      | Jahresbeginn|Jahresanfang
      | (?:{MONTHS})\s+(?:19|20)\d{{2}}
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)

GERMAN = Grammar(
    code="de",
    decimal_symbol=DECIMAL,
    group_symbols=GROUP,
    number=number_pattern(
        digits=digits_pattern(DECIMAL, GROUP),
        abbreviations=r"(?:Mio|Mrd|Tsd|Bio)\.",
        multipliers=alternation(MULTIPLIERS),
        number_words=rf"{alternation(SMALL_WORDS)}|eine\s+halbe|halbe",
        percent=r"\s?%|\s?Prozent\b|\s+Prozentpunkte?n?\b",
        currency_after=r"\s+(?:Pfund(?:\s+Sterling)?|Euro|US-Dollar|Dollar)\b|\s?(?:€|£|\$)",
    ),
    ratio=re.compile(
        rf"(?<![\d,.])\b(?P<num>eine[rs]?|ein|zwei|drei|vier|[1-9])\s+von\s+"
        rf"(?P<den>{alternation(SMALL_WORDS)}|[1-9]\d?)\b(?![,.]?\d|\s*%)",
        re.IGNORECASE,
    ),
    fraction=re.compile(
        r"\b(?:(?P<num>ein|zwei|drei|vier|neun)\s*|die\s+)?(?P<frac>Hälfte|Drittel|Viertel|"
        r"Fünftel|Zehntel)(?=\s+(?:der|des|aller|von)\b)",
        re.IGNORECASE,
    ),
    change_word=re.compile(
        rf"\b(?P<more>mehr\s+als\s+)?(?P<word>{alternation(CHANGE_WORDS)})\b", re.IGNORECASE
    ),
    label_before=re.compile(
        r"(?:\b(?:Artikel|Art\.|Paragraf|Paragraph|Absatz|Abs\.|Kapitel|Seite|S\.|Nummer|Nr\.|"
        r"Stufe|Phase|Klasse|Typ|Kategorie|Schritt|Frage|Gleis|Flug|Band|Zimmer|Alter\s+von|"
        r"Covid)|§|\w+(?:straße|str\.|weg|platz|allee|gasse|damm|ring))\s*$",
        re.IGNORECASE,
    ),
    address_after=re.compile(r"(?!)"),
    # "am 15. März" does not end a sentence.
    sentence_end=re.compile(
        rf"[.!?][\"“”’')\]»«]*(?=\s)(?!(?<=\d\.)\s+(?:{MONTHS})\b)|\n", re.IGNORECASE
    ),
    approximation_before=re.compile(
        rf"(?<!\w)(?P<phrase>{alternation(APPROXIMATIONS)})\s*(?<=[\s.])$", re.IGNORECASE
    ),
    people_after=re.compile(
        rf"\s+(?:(?:{PEOPLE_MODIFIERS})\s+){{0,2}}(?P<noun>{PEOPLE_NOUNS})\b", re.IGNORECASE
    ),
    # Nouns are capitalised; adjectives before them are not ("6.000 neue Wohnungen").
    noun_after=re.compile(
        r"\s+(?:[a-zäöüß]+\s+){0,2}(?P<noun>[A-ZÄÖÜ][^\W\d_]{2,}(?:-[^\W\d_]+)?)\b"
    ),
    points=re.compile(r"punkt", re.IGNORECASE),
    date_after=re.compile(rf"\.?\s+(?:{MONTHS})\b", re.IGNORECASE),
    date_before=re.compile(rf"\b(?:{MONTHS})\s+$", re.IGNORECASE),
    # "der 3. Platz": a number and a point before a word is an ordinal.
    ordinal_short=re.compile(r":\d|\.\d|\.\s+[^\W\d_]"),
    ordinal_long=re.compile(r":\d"),
    approximations=APPROXIMATIONS,
    small_words=SMALL_WORDS,
    half_words=frozenset({"eine halbe", "halbe"}),
    multipliers=MULTIPLIERS,
    fractions=FRACTIONS,
    change_words=CHANGE_WORDS,
    not_nouns=NOT_NOUNS,
    change_before=re.compile(
        rf"\b(?P<dir>{UP}|{DOWN})\s+(?:(?:um|von|auf\s+das\s+Jahr\s+gesehen)\s+)?"
        r"(?:(?:fast|knapp|rund|etwa|ungefähr|mehr\s+als|über|gut|nahezu|beinahe)\s+)?$",
        re.IGNORECASE,
    ),
    change_after=re.compile(rf"[\s-]*(?P<dir>{UP_AFTER}|{DOWN_AFTER})\b", re.IGNORECASE),
    down_words=frozenset(
        (DOWN + "|" + DOWN_AFTER)
        .lower()
        .replace("\\s+", " ")
        .replace("(?=\\s*[.,;])", "")
        .split("|")
    ),
    to_level=re.compile(r"\s*auf\s+", re.IGNORECASE),
    baseline=re.compile(
        r"[\s,]*(?:(?:Anstieg|Zuwachs|Rückgang|mehr|weniger|höher|niedriger)\s+)?"
        r"(?:(?:gegenüber|im\s+Vergleich\s+(?:zu|zum|zur)|verglichen\s+mit|als|seit|von)\s+)"
        r"(?:(?:im|in|dem|der|den|das|des|die)\s+){0,2}",
        re.IGNORECASE,
    ),
    baseline_gap=re.compile(
        r"(?:\s+(?:im|in|am)\s+[\w ]{3,20}?)?,?\s*(?:(?:ein\s+(?:Rückgang|Anstieg)|gesunken|"
        r"gestiegen|zurückgegangen)\s+)?(?:gegenüber|verglichen\s+mit|im\s+Vergleich\s+zu|nach|"
        r"von)\s+",
        re.IGNORECASE,
    ),
    clause_break=re.compile(
        r",\s+(?:und|aber|während|obwohl|wohingegen)\b|;|\b(?:während|aber|obwohl|wohingegen|jedoch)\b",
        re.IGNORECASE,
    ),
    from_before=re.compile(r"\bvon\s+$", re.IGNORECASE),
    from_to_between=re.compile(r"\s+auf\s+", re.IGNORECASE),
    period=GERMAN_PERIOD_RE,
    direction_after_baseline=True,
    lowercase_nouns=False,
)
