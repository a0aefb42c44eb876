"""The assessors' texts drafted from the levels by fixed rules, for the assessor to edit.

The evaluators' guide fixes how the texts follow from the levels that count:

- per aspect, the fulfilment lists the indicators at levels 2 to 5; the strengths are
  the indicators at levels 4 and 5, highest first; the weaknesses those at levels 1
  and 2 (and 0 where a framework allows it), lowest first;
- the general recommendation has four parts: a summary of the result, the strongest
  aspect (highest mean), the weakest aspect (lowest mean), and appreciation, or advice
  for improvement put first for an institution below the "Baik" predicate.

Pure: no queries, no clock. The drafts are written in Indonesian, the language of the
institution report they end up in (like the framework's own texts), not in the reader's
interface language. Ties keep the framework's order, so a draft is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

FULFILLED_FROM = 2
STRENGTH_FROM = 4
WEAKNESS_UP_TO = 2
# The predicate below which the advice for improvement comes first; a framework
# without a band of that name uses its middle band instead.
GOOD_PREDICATE = "Baik"


@dataclass(frozen=True)
class ScoredIndicator:
    number: int
    name: str
    aspect_code: str
    value: Decimal  # the level that counts (the mean of its entries)


@dataclass(frozen=True)
class AspectDraft:
    code: str
    fulfilment: str
    strengths: str
    weaknesses: str


@dataclass(frozen=True)
class RecommendationDraft:
    summary: str
    strongest: str
    weakest: str
    advice: str


def _level(value: Decimal) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.2f}".replace(".", ",")


def _mean(value: Decimal) -> str:
    """An index or a mean, always with two decimals (the way results are shown)."""
    return f"{Decimal(value):.2f}".replace(".", ",")


def _item(ind: ScoredIndicator) -> str:
    return f"Indikator {ind.number} {ind.name} (tingkat {_level(ind.value)})"


def _lines(items: Iterable[ScoredIndicator]) -> str:
    return "\n".join(f"- {_item(ind)}" for ind in items)


def draft_aspect(code: str, indicators: Sequence[ScoredIndicator]) -> AspectDraft:
    """Fulfilment, strengths and weaknesses of one aspect from its scored indicators
    (in framework order)."""
    fulfilled = [i for i in indicators if i.value >= FULFILLED_FROM]
    strong = sorted(
        (i for i in indicators if i.value >= STRENGTH_FROM), key=lambda i: (-i.value, i.number)
    )
    weak = sorted(
        (i for i in indicators if i.value <= WEAKNESS_UP_TO), key=lambda i: (i.value, i.number)
    )
    return AspectDraft(
        code=code,
        fulfilment=(
            "Indikator yang telah terpenuhi (tingkat 2 ke atas):\n" + _lines(fulfilled)
            if fulfilled
            else "Belum ada indikator pada aspek ini yang mencapai tingkat 2."
        ),
        strengths=(
            "Indikator dengan capaian tinggi (tingkat 4-5):\n" + _lines(strong)
            if strong
            else "Belum ada indikator pada aspek ini yang mencapai tingkat 4."
        ),
        weaknesses=(
            "Indikator yang perlu ditingkatkan (tingkat 2 ke bawah):\n" + _lines(weak)
            if weak
            else "Tidak ada indikator pada aspek ini di tingkat 2 ke bawah."
        ),
    )


def _good_bound(bands: Sequence[tuple[str, Decimal]]) -> Decimal:
    for name, lower in bands:
        if name == GOOD_PREDICATE:
            return Decimal(lower)
    ordered = sorted(Decimal(lower) for _name, lower in bands)
    return ordered[len(ordered) // 2] if ordered else Decimal(0)


def draft_recommendation(
    *,
    aspects: Sequence[tuple[str, str, Decimal]],
    index: Decimal,
    predicate: str,
    bands: Sequence[tuple[str, Decimal]],
    indicators: Sequence[ScoredIndicator],
) -> RecommendationDraft:
    """The four parts of the general recommendation. `aspects` are (code, name, mean)
    in framework order; `bands` the framework's (predicate, lower bound)."""
    if not aspects:
        return RecommendationDraft("", "", "", "")
    strongest = max(aspects, key=lambda a: a[2])  # first of equals: framework order
    weakest = min(aspects, key=lambda a: a[2])
    counts = {
        "fulfilled": sum(1 for i in indicators if i.value >= FULFILLED_FROM),
        "strong": sum(1 for i in indicators if i.value >= STRENGTH_FROM),
        "weak": sum(1 for i in indicators if i.value <= WEAKNESS_UP_TO),
    }
    summary = (
        f"Indeks SPBE {_mean(index)} dengan predikat {predicate}. Dari {len(indicators)} "
        f"indikator yang dinilai, {counts['fulfilled']} telah terpenuhi (tingkat 2 ke atas), "
        f"{counts['strong']} mencapai tingkat 4-5, dan {counts['weak']} masih di tingkat 2 "
        "ke bawah."
    )
    strong_text = (
        f"Aspek terkuat adalah {strongest[0]} {strongest[1]} dengan nilai rata-rata "
        f"{_mean(strongest[2])}."
    )
    weak_text = (
        f"Aspek terlemah adalah {weakest[0]} {weakest[1]} dengan nilai rata-rata "
        f"{_mean(weakest[2])}."
    )
    lowest = sorted(
        (i for i in indicators if i.aspect_code == weakest[0]), key=lambda i: (i.value, i.number)
    )[:3]
    focus = "; ".join(_item(i) for i in lowest)
    if Decimal(index) < _good_bound(bands):
        advice = (
            f"Capaian masih di bawah predikat {GOOD_PREDICATE}. Prioritaskan peningkatan "
            f"pada aspek {weakest[0]} {weakest[1]}, terutama {focus}, dengan menetapkan "
            "kebijakan dan prosedur yang belum ada, menerapkannya di seluruh unit kerja, "
            "lalu memantau dan mengevaluasinya secara berkala."
        )
    else:
        advice = (
            f"Apresiasi atas capaian predikat {predicate}. Pertahankan praktik baik pada aspek "
            f"{strongest[0]} {strongest[1]}, dan lanjutkan peningkatan pada aspek "
            f"{weakest[0]} {weakest[1]}, terutama {focus}, termasuk tindak lanjut atas hasil "
            "reviu dan evaluasi sebelumnya."
        )
    return RecommendationDraft(
        summary=summary, strongest=strong_text, weakest=weak_text, advice=advice
    )
