"""Spanish as news copy writes quantities: "9.400 personas", "un 19 % más que en 2023",
"75 millones de libras", "casi 100.000 migrantes", "la mitad de".

The Spanish `Grammar` (`SPANISH`): number symbols from Babel's "es" locale (decimal comma,
grouping point or space), Spanish words of quantity, and the patterns built from them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol

from claims.figures.grammar import Grammar, alternation, digits_pattern, number_pattern

DECIMAL = get_decimal_symbol("es")
GROUP = get_group_symbol("es")

APPROXIMATIONS = {
    "casi": "nearly",
    "cerca de": "nearly",
    "poco menos de": "nearly",
    "rozando": "nearly",
    "alrededor de": "about",
    "en torno a": "about",
    "aproximadamente": "about",
    "unos": "about",
    "unas": "about",
    "cerca de unos": "about",
    "más de": "more_than",
    "poco más de": "more_than",
    "al menos": "more_than",
    "por lo menos": "more_than",
    "como mínimo": "more_than",
    "menos de": "less_than",
    "por debajo de": "less_than",
    "hasta": "up_to",
}
SMALL_WORDS = {
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50,
    "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90, "cien": 100,
}  # fmt: skip
MULTIPLIERS = {
    "mil": Decimal(10) ** 3,
    "millón": Decimal(10) ** 6,
    "millon": Decimal(10) ** 6,
    "millones": Decimal(10) ** 6,
    "mill": Decimal(10) ** 6,
    "mil millones": Decimal(10) ** 9,
    # Spanish "billón" is a million millions (10^12), not the English billion.
    "billón": Decimal(10) ** 12,
    "billones": Decimal(10) ** 12,
}
FRACTIONS = {
    "mitad": Decimal(1) / 2,
    "tercio": Decimal(1) / 3,
    "tercios": Decimal(1) / 3,
    "cuarto": Decimal(1) / 4,
    "cuartos": Decimal(1) / 4,
    "quinto": Decimal(1) / 5,
    "quintos": Decimal(1) / 5,
    "décimo": Decimal(1) / 10,
    "décimos": Decimal(1) / 10,
}
CHANGE_WORDS = {
    "duplicó": 100, "duplicado": 100, "duplicaron": 100, "duplica": 100,
    "triplicó": 200, "triplicado": 200, "triplicaron": 200, "triplica": 200,
    "cuadruplicó": 300, "cuadruplicado": 300,
    "redujo a la mitad": -50, "reducido a la mitad": -50, "se reduce a la mitad": -50,
}  # fmt: skip
MONTHS = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
    "diciembre"
)
PEOPLE_NOUNS = (
    "personas|individuos|migrantes|inmigrantes|emigrantes|refugiados|solicitantes\\s+de\\s+asilo|"
    "retornos|retornados|devoluciones|repatriaciones|expulsiones|deportaciones|deportados|"
    "llegadas|niños|niñas|menores|adultos|alumnos|estudiantes|pacientes|trabajadores|"
    "empleados|funcionarios|agentes|policías|guardias|enfermeras|enfermeros|médicos|docentes|"
    "profesores|maestros|familias|residentes|ciudadanos|habitantes|votantes|electores|hogares|"
    "víctimas|delincuentes|presos|reclusos|detenidos|traficantes|contrabandistas|hombres|"
    "mujeres|bebés|soldados|militares|pensionistas|jubilados|parados|desempleados|visitantes|"
    "turistas"
)
PEOPLE_MODIFIERS = "más|nuevos|nuevas|otros|otras|adicionales"
UP = (
    "aumento|aumentó|aumentaron|aumentado|aumenta|aumentan|incremento|incrementó|incrementaron|"
    "incrementado|subida|subió|subieron|subido|sube|suben|alza|crecimiento|creció|crecieron|"
    "crecido|crece|crecen|repunte|repuntó|ascenso|ascendió|se\\s+disparó|se\\s+elevó|elevó|"
    "ganó|ganaron"
)
DOWN = (
    "descenso|descendió|descendieron|descendido|disminución|disminuyó|disminuyeron|disminuido|"
    "caída|cayó|cayeron|caído|cae|caen|bajada|bajó|bajaron|bajado|baja|bajan|reducción|redujo|"
    "redujeron|reducido|recorte|recortó|retroceso|retrocedió|perdió|perdieron"
)
UP_AFTER = "más|superior|mayor|arriba"
DOWN_AFTER = "menos|inferior|menor|abajo"
NOT_NOUNS = frozenset(
    [
        "de",
        "del",
        "y",
        "o",
        "a",
        "al",
        "en",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "por",
        "para",
        "con",
        "que",
        "más",
        "menos",
        "como",
        "sobre",
        "entre",
    ]
)

SPANISH_PERIOD_RE = re.compile(
    rf"""\b(?:(?:en|durante|para|de|del|desde|a\s+lo\s+largo\s+de)\s+)?(?:(?:el|la|los)\s+)?
    (?P<period>
        (?:primer|segundo|tercer|cuarto)\s+(?:trimestre|semestre)\s+(?:de(?:l)?\s+)?(?:año\s+)?(?:19|20)\d{{2}}
      | entre\s+(?:(?:{MONTHS})\s+de\s+)?(?:19|20)\d{{2}}\s+y\s+(?:(?:{MONTHS})\s+de\s+)?(?:19|20)\d{{2}}
      | (?:año\s+)?(?:19|20)\d{{2}}(?:\s?[/-]\s?\d{{2,4}})?(?!\d)
      | lo\s+que\s+va\s+de\s+año
      | mismo\s+(?:periodo|período|mes|trimestre)\s+del\s+año\s+(?:anterior|pasado)
      | (?:año|mes|trimestre|semestre|ejercicio)\s+(?:pasado|anterior)
      | (?:este|esta)\s+(?:año|mes|semana|trimestre|legislatura)
      | (?:último|pasado)\s+(?:año|mes|trimestre)
      | últimos\s+(?:\d+|doce|seis|tres)\s+(?:meses|años)
      | (?:{MONTHS})\s+(?:de\s+)?(?:19|20)\d{{2}}
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)

SPANISH = Grammar(
    code="es",
    decimal_symbol=DECIMAL,
    group_symbols=GROUP,
    number=number_pattern(
        digits=digits_pattern(DECIMAL, GROUP),
        abbreviations=r"mill\.",
        multipliers=alternation(MULTIPLIERS),
        number_words=rf"{alternation(SMALL_WORDS)}|medio",
        percent=r"\s?%|\s+por\s+ciento\b|\s+puntos?\s+porcentuales\b",
        currency_after=(
            r"\s+(?:de\s+)?(?:libras?(?:\s+esterlinas?)?|euros?|dólares?|dolares?)\b"
            r"|\s?(?:€|£|\$)"
        ),
    ),
    ratio=re.compile(
        rf"(?<![\d,.])\b(?P<num>uno|una|dos|tres|cuatro|[1-9])\s+de\s+cada\s+"
        rf"(?P<den>{alternation(SMALL_WORDS)}|[1-9]\d?)\b(?![,.]?\d|\s*%)",
        re.IGNORECASE,
    ),
    fraction=re.compile(
        r"\b(?:(?P<num>un|una|dos|tres|cuatro|nueve)\s+|la\s+)?"
        r"(?P<frac>mitad|tercios?|cuartos?|quintos?|décimos?)(?=\s+de\b)",
        re.IGNORECASE,
    ),
    change_word=re.compile(
        rf"\b(?P<more>más\s+que\s+)?(?:se\s+(?:ha\s+|han\s+)?)?(?P<word>{alternation(CHANGE_WORDS)})\b",
        re.IGNORECASE,
    ),
    label_before=re.compile(
        r"(?:\b(?:artículo|art\.|sección|capítulo|página|pág\.|párrafo|apartado|número|núm\.|"
        r"n\.º|nivel|fase|planta|puerta|andén|vuelo|volumen|clase|tipo|categoría|paso|pregunta|"
        r"edad\s+de|covid|ley|decreto|calle|avenida|plaza)|nº)\s+$",
        re.IGNORECASE,
    ),
    address_after=re.compile(r"(?!)"),
    sentence_end=re.compile(r"[.!?][\"”’')\]»]*(?=\s)|\n"),
    approximation_before=re.compile(
        rf"\b(?P<phrase>{alternation(APPROXIMATIONS)})l?\s+(?:(?:un|una|el|la|los|las)\s+)?$",
        re.IGNORECASE,
    ),
    people_after=re.compile(
        rf"\s+(?:de\s+)?(?:(?:{PEOPLE_MODIFIERS})\s+){{0,2}}(?P<noun>{PEOPLE_NOUNS})\b",
        re.IGNORECASE,
    ),
    noun_after=re.compile(r"\s+(?P<noun>[^\W\d_A-ZÁÉÍÓÚÑ][^\W\d_]{2,}(?:-[^\W\d_]+)?)\b"),
    points=re.compile(r"punto", re.IGNORECASE),
    date_after=re.compile(rf"(?:º|ª|\.º)?\s+de\s+(?:{MONTHS})\b", re.IGNORECASE),
    date_before=re.compile(rf"\b(?:{MONTHS})\s+$", re.IGNORECASE),
    ordinal_short=re.compile(r"º|ª|\.º|:\d|\.\d"),
    ordinal_long=re.compile(r"º|ª|:\d"),
    approximations=APPROXIMATIONS,
    small_words=SMALL_WORDS,
    half_words=frozenset({"medio", "media"}),
    multipliers=MULTIPLIERS,
    fractions=FRACTIONS,
    change_words=CHANGE_WORDS,
    not_nouns=NOT_NOUNS,
    # "más"/"menos" before a number are "more than"/"less than", so only after it a direction.
    change_before=re.compile(
        rf"\b(?P<dir>{UP}|{DOWN})\s+(?:(?:en|de|del|un|una|el|casi|cerca\s+del?|"
        rf"alrededor\s+del?|más\s+del?|unos|aproximadamente|en\s+torno\s+al?)\s+){{0,3}}$",
        re.IGNORECASE,
    ),
    change_after=re.compile(
        rf"[\s-]*(?P<dir>{UP_AFTER}|{DOWN_AFTER}|{UP}|{DOWN})\b", re.IGNORECASE
    ),
    down_words=frozenset((DOWN + "|" + DOWN_AFTER).replace("\\s+", " ").split("|")),
    to_level=re.compile(r"\s*,?\s*(?:hasta|a)\s+(?:(?:los|las|un|una)\s+)?", re.IGNORECASE),
    baseline=re.compile(
        r"[\s,]*(?:(?:aumento|subida|incremento|crecimiento|descenso|caída|bajada|reducción|"
        r"más|menos|superior|inferior|mayor|menor)\s+)?"
        r"(?:(?:desde|que|respecto\s+(?:a|al|de|del)|con\s+respecto\s+(?:a|al)|frente\s+(?:a|al)|"
        r"comparado\s+con|en\s+comparación\s+con|en\s+relación\s+con|sobre)\s+)"
        r"(?:(?:en|el|la|los|las|lo\s+de)\s+){0,2}",
        re.IGNORECASE,
    ),
    baseline_gap=re.compile(
        r"(?:\s+(?:en|el)\s+[\w ]{3,20}?)?,?\s*(?:(?:bajando|subiendo|una?\s+(?:caída|subida|"
        r"bajada|aumento|descenso|reducción))\s+)?(?:desde|frente\s+a(?:\s+l[oa]s)?|"
        r"comparado\s+con|en\s+comparación\s+con)\s+",
        re.IGNORECASE,
    ),
    clause_break=re.compile(
        r",\s+(?:y|pero|mientras|aunque)\b|;|\b(?:mientras|pero|aunque|sin\s+embargo)\b",
        re.IGNORECASE,
    ),
    from_before=re.compile(r"\b(?:de|desde)\s+$", re.IGNORECASE),
    from_to_between=re.compile(r"\s+(?:a|hasta)\s+", re.IGNORECASE),
    period=SPANISH_PERIOD_RE,
)
