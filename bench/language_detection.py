"""Claim-language detection: the detector `claims.languages` builds (the configured languages,
low accuracy mode) against lingua's full-accuracy detector for the same languages.

Each variant runs in a fresh process (models load once per process, as in a web or Celery
worker): build plus the first detection of every sample, peak memory added, then the mean time
of one detection, and how many samples came out right. Run: `.venv/bin/python
bench/language_detection.py`; record the table in bench/RESULTS.md with the machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

LANGUAGES = ["en", "es", "de", "fr", "it", "pt", "nl"]
SAMPLES = {
    "en": "According to the government, 9,400 people were returned this year, up 19% on 2023.",
    "es": "Según el Gobierno, 9.400 personas fueron devueltas este año, un 19 % más que en 2023.",
    "de": "Nach Angaben der Regierung wurden in diesem Jahr 9.400 Menschen zurückgeführt.",
    "fr": "Selon le gouvernement, 9 400 personnes ont été renvoyées cette année, soit 19 % de plus.",
    "it": "Secondo il governo, quest'anno sono state rimpatriate 9.400 persone, il 19 % in più.",
    "pt": "Segundo o governo, 9.400 pessoas foram devolvidas este ano, mais 19 % do que em 2023.",
    "nl": "Volgens de regering zijn dit jaar 9.400 mensen teruggestuurd, 19 procent meer dan in 2023.",
}
REPEATS = 300

CHILD = r"""
import json, resource, sys, time
from lingua import IsoCode639_1, LanguageDetectorBuilder
languages, samples, low, repeats = json.loads(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
builder = LanguageDetectorBuilder.from_iso_codes_639_1(
    *[IsoCode639_1.from_str(code) for code in languages]
).with_minimum_relative_distance(0.1)
detector = (builder.with_low_accuracy_mode() if low else builder).build()
found = {code: detector.detect_language_of(text) for code, text in samples.items()}
first = time.perf_counter() - start
start = time.perf_counter()
for _ in range(repeats):
    for text in samples.values():
        detector.detect_language_of(text)
each = (time.perf_counter() - start) / (repeats * len(samples))
right = sum(1 for code, language in found.items() if language and language.iso_code_639_1.name.lower() == code)
print(json.dumps({"first_s": first, "each_ms": each * 1000, "right": right,
                  "mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
"""


def measure(low: bool) -> dict:
    """One variant in its own process."""
    argument = json.dumps([LANGUAGES, SAMPLES, low, REPEATS])
    output = subprocess.run(
        [sys.executable, "-c", CHILD, argument], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output)


def main() -> None:
    full, low = measure(low=False), measure(low=True)
    print(f"load average: {os.getloadavg()[0]:.1f}; {len(LANGUAGES)} languages")
    print("| detector | build + first detections (s) | memory (MB) | one detection (ms) | right |")
    print("|---|---:|---:|---:|---:|")
    for name, row in (("full accuracy (baseline)", full), ("low accuracy (used)", low)):
        print(
            f"| {name} | {row['first_s']:.2f} | {row['mb']:.0f} | {row['each_ms']:.3f} | "
            f"{row['right']}/{len(SAMPLES)} |"
        )
    print(
        f"ratios low/full: build {low['first_s'] / full['first_s']:.2f}x, memory "
        f"{low['mb'] / full['mb']:.2f}x, detection {low['each_ms'] / full['each_ms']:.2f}x"
    )


if __name__ == "__main__":
    main()
