"""Payment card data in a message: card numbers, security codes and expiry dates (PCI).

A card number is 13 to 19 digits of a run (see ``tokens``), starting at a group the caller
read out, with a card brand's prefix and length, and a valid Luhn check digit
(python-stdnum). The prefix and the check digit together keep order numbers, tracking
numbers and phone numbers out: a random 16-digit number passes both about once in 25.

A security code (3 or 4 digits) or an expiry date (``09/27``, ``0927``, ``oh nine twenty
seven``, ``September 2027``) is only ever taken *near* something that announces it: right
after a card number, after the words that ask for it (``CVV``, ``security code``, ``expiry
date``…), or at the start of the message after one that asked or gave a card number (the
agent asks, the caller answers in the next message). A bare ``09/27`` or ``123`` elsewhere is
a date or a count and stays.
"""

import re
import string
from dataclasses import dataclass
from itertools import repeat

from stdnum import luhn

from .tokens import MARKER, NUMBER, NUMBER_WORDS, TEENS, TENS, WORD, Token, runs, tokenize

CARD, CVV, EXPIRY = "card", "cvv", "expiry"

# (first digits, lengths): the brands' published ranges (IIN), as in the card networks'
# and ISO/IEC 7812's tables. 13–19 digits only, as the detector reads.
_RANGES: tuple[tuple[range, int, frozenset[int]], ...] = (
    (range(4, 5), 1, frozenset({13, 16, 19})),  # Visa
    (range(51, 56), 2, frozenset({16})),  # Mastercard
    (range(2221, 2721), 4, frozenset({16})),  # Mastercard 2-series
    (range(34, 35), 2, frozenset({15})),  # American Express
    (range(37, 38), 2, frozenset({15})),  # American Express
    (range(6011, 6012), 4, frozenset(range(16, 20))),  # Discover
    (range(644, 650), 3, frozenset(range(16, 20))),  # Discover
    (range(65, 66), 2, frozenset(range(16, 20))),  # Discover, RuPay
    (range(3528, 3590), 4, frozenset(range(16, 20))),  # JCB
    (range(300, 306), 3, frozenset(range(14, 20))),  # Diners Club
    (range(36, 37), 2, frozenset(range(14, 20))),  # Diners Club
    (range(38, 40), 2, frozenset(range(16, 20))),  # Diners Club
    (range(62, 63), 2, frozenset(range(16, 20))),  # UnionPay
    (range(2200, 2205), 4, frozenset(range(16, 20))),  # Mir
    (range(50, 51), 2, frozenset(range(13, 20))),  # Maestro
    (range(56, 70), 2, frozenset(range(13, 20))),  # Maestro and others in 6
    (range(81, 83), 2, frozenset({16})),  # RuPay
)
# The lengths a number of a given first digit is usually read as, tried first: a Visa read
# in four groups of four is 16 digits even when its 19-digit extension also checks.
_PREFERRED = (16, 15, 14, 19, 18, 17, 13)
# How many more digits a run may hold after a card number, unset by a comma: none, a code
# (3, 4), a date (4, 6), or a date and a code (7, 8).
_AFTER_CARD = frozenset({0, 3, 4, 6, 7, 8})


def is_card_number(digits: str) -> bool:
    """A brand's prefix and length, and the Luhn check (python-stdnum)."""
    length = len(digits)
    if not 13 <= length <= 19:
        return False
    for prefixes, width, lengths in _RANGES:
        if length in lengths and int(digits[:width]) in prefixes:
            return luhn.is_valid(digits)
    return False


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int


_CVV_CUE = re.compile(
    r"\b(?:cvv2?|cvc2?|cvn|cid|csc|security\s+(?:code|number|digits)|verification\s+"
    r"(?:code|number|value)|card\s+code|(?:three|four|3|4)[\s-]digits?(?:\s+(?:code|number))?"
    r"|(?:digits|numbers?|code)\s+on\s+the\s+back)\b",
    re.IGNORECASE,
)
_EXPIRY_CUE = re.compile(
    r"\b(?:exp(?:iry|iration|ires|ire|\.)?(?:\s+date)?|valid\s+(?:thru|through|until|till)"
    r"|good\s+(?:thru|through))\b",
    re.IGNORECASE,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# How far after a cue or a card number the code or date may come, in tokens.
_WINDOW = 12
# Cheap tests before tokenizing (most of a conversation has no card data): a card number
# needs 13 digits (a number word is one or two), a code or a date a cue, a card or a
# pending question. Words are split at C speed and looked up in sets.
_WORD_BREAKS = str.maketrans({c: " " for c in string.punctuation + string.digits})
_CUE_WORDS = frozenset(
    {
        *("cvv", "cvv2", "cvc", "cvc2", "cvn", "cid", "csc", "security", "verification"),
        *("code", "digit", "digits", "back", "exp", "expiry", "expiration", "expires"),
        *("expire", "valid", "good"),
    }
)
# How many digits each number word says at least ("forty" may become "forty one": two).
_WORD_DIGITS = {word: 2 if word in TEENS or word in TENS else 1 for word in NUMBER_WORDS}
# A message holding none of these words and no digit has nothing to find at all: the
# first test, one set operation (most messages of a conversation stop here).
_NOTABLE_WORDS = _CUE_WORDS | NUMBER_WORDS
_DIGIT = re.compile(r"\d")
_NO_DIGITS = str.maketrans("", "", "0123456789")


def _words(lowered: str) -> list[str]:
    # Two C-speed passes: a regex findall costs half as much again on every message.
    return lowered.translate(_WORD_BREAKS).split()


def _digits_said(text: str, words: list[str]) -> tuple[int, int]:
    """How many digits ``text`` (of ``words``) writes, and says at least in words (a number
    word is one or two)."""
    written = len(text) - len(text.translate(_NO_DIGITS))
    return written, sum(map(_WORD_DIGITS.get, words, repeat(0)))


def _cue_matches(text: str) -> list[tuple[str, re.Match[str]]]:
    """The cues of ``text`` (kind, match), security codes' first: found once per message,
    read by the prefilter and by the scan."""
    return [(CVV, m) for m in _CVV_CUE.finditer(text)] + [
        (EXPIRY, m) for m in _EXPIRY_CUE.finditer(text)
    ]


def _without_cues(text: str, matches: list[tuple[str, re.Match[str]]]) -> str:
    # "the three digit code" says no digit: its number word belongs to the cue. (The cues
    # of either kind never overlap: their words differ.)
    parts, position = [], 0
    for _, match in sorted(matches, key=lambda item: item[1].start()):
        parts += [text[position : match.start()], " "]
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)


def _last_cue(matches: list[tuple[str, re.Match[str]]]) -> str | None:
    last, kind = -1, None
    for name, match in matches:
        if match.start() > last:
            last, kind = match.start(), name
    return kind


# A stretch of ``text`` that may hold a run (see ``tokens.runs``), found without
# tokenizing: digits and number words, each pair apart by spaces or one separator. Every
# run of the tokens lies inside one stretch (a stretch also keeps digits glued to letters,
# and "double" before a non-number: it may only be longer), so a message whose stretches
# cannot hold a card number needs no tokens when nothing else is asked for.
_ITEM = (
    r"(?:\d+|(?<![^\W\d_])(?:"
    + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")(?![^\W\d_]|'[^\W\d_]))"
)
# Read in the lower-cased text (twice as fast as IGNORECASE; lower-casing only ever adds
# letters' marks, so a stretch can only grow).
_STRETCH = re.compile(rf"{_ITEM}(?:\s*[-.,/]?\s*{_ITEM})*")
_ITEMS = re.compile(_ITEM)
_LETTER = re.compile(r"[^\W\d_]")
_GROUPS = re.compile(r"\d+")
# The most digits a number word can stand for in a run: "triple one" is three.
_WORD_MOST = {
    word: 3 if word == "triple" else 2 if word in TEENS or word in TENS or word == "double" else 1
    for word in NUMBER_WORDS
}


def _may_hold_card(lowered: str) -> bool:
    """False when no run of ``lowered`` (a message's text, lower-cased) can hold a card
    number: every stretch says fewer than 13 digits, or is written in digits alone and no
    13 to 19 of them from the start of a group pass ``is_card_number`` (a card is always
    that: ``_Scan._card_at``). True asks the tokenizer (it reads stretches of words)."""
    for match in _STRETCH.finditer(lowered):
        stretch = match.group()
        if _LETTER.search(stretch):
            items = _ITEMS.findall(stretch)
            said = sum(_WORD_MOST.get(item, len(item)) for item in items)
            if said >= 13:
                return True
            continue
        groups = _GROUPS.findall(stretch)
        digits = "".join(groups)
        start = 0
        for group in groups:
            if len(digits) - start < 13:
                break
            for length in range(13, min(19, len(digits) - start) + 1):
                if is_card_number(digits[start : start + length]):
                    return True
            start += len(group)
    return False


@dataclass(slots=True)
class Pending:
    """What a message leaves open for the next one: a code or a date asked for or due."""

    cvv: bool = False
    expiry: bool = False


def find(text: str, pending: Pending | None = None) -> tuple[list[Finding], Pending]:
    """Card numbers, security codes and expiry dates in ``text``; and what stays pending.

    ``pending``: what the previous message of the conversation left open.
    """
    pending = pending or Pending()
    lowered = text.lower()
    words = _words(lowered)
    if _NOTABLE_WORDS.isdisjoint(words) and _DIGIT.search(text) is None and "[CARD]" not in text:
        return [], Pending()  # no digit, no number word, no cue: nothing, nothing pending
    matches = None if _CUE_WORDS.isdisjoint(words) else _cue_matches(text)
    cue = _last_cue(matches) if matches else None
    if "[CARD]" not in text:
        if cue is not None and matches:
            text_alone = _without_cues(text, matches)
            words = _words(text_alone.lower())
        written, spoken = _digits_said(text_alone if cue else text, words)
        if not written + spoken:
            # Nothing to find; what the message asks for is what the next one may answer.
            return [], Pending(cvv=cue == CVV, expiry=cue == EXPIRY)
        if cue is None and not (pending.cvv or pending.expiry):
            if written + spoken < 13:
                return [], Pending()  # no card can be there, and nothing else is asked for
            if spoken < 13 and not _may_hold_card(lowered):
                return [], Pending()  # the same, looking closer (a card said is left to it)
    tokens = tokenize(text)
    scan = _Scan(text, tokens)
    scan.cards()
    cues = scan.cues(_cue_matches(text) if matches is None else matches)
    regions: list[tuple[int, int, bool, bool]] = []
    if pending.cvv or pending.expiry:
        regions.append((0, _WINDOW, pending.cvv, pending.expiry))
    for kind, first in cues:
        regions.append((first, first + _WINDOW, kind == CVV, kind == EXPIRY))
    for last in scan.card_ends:
        regions.append((last + 1, last + 1 + _WINDOW, True, True))
    cue_starts = sorted(start for start, _ in scan.cue_spans)
    found_cvv = found_expiry = False
    for first, limit, want_cvv, want_expiry in sorted(regions):
        # A region ends where the next cue begins: that cue's own region takes over.
        limit = min([limit, *(s for s in cue_starts if s >= first)])
        got_cvv, got_expiry = scan.region(first, limit, want_cvv, want_expiry)
        found_cvv |= got_cvv
        found_expiry |= got_expiry
    after = Pending()
    if cues or scan.card_ends:
        last_kind = cues[-1][0] if cues else None
        after.cvv = not found_cvv and (bool(scan.card_ends) or last_kind == CVV)
        after.expiry = not found_expiry and (bool(scan.card_ends) or last_kind == EXPIRY)
    return sorted(scan.findings, key=lambda f: f.start), after


class _Scan:
    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.tokens = tokens
        self.runs = runs(tokens)
        self.findings: list[Finding] = []
        self.taken: set[int] = set()  # token indexes already part of a finding
        self.card_ends: list[int] = []
        self.cue_spans: list[tuple[int, int]] = []  # token index ranges of cue words

    def _add(self, kind: str, first: int, last: int) -> None:
        self.findings.append(Finding(kind, self.tokens[first].start, self.tokens[last].end))
        self.taken.update(range(first, last + 1))

    def cards(self) -> None:
        for run in self.runs:
            lengths = [len(self.tokens[i].digits) for i in run]
            if sum(lengths) < 13:
                continue
            start = 0
            while start < len(run):
                end = self._card_at(run, lengths, start)
                if end is None:
                    start += 1
                    continue
                self._add(CARD, run[start], run[end])
                self.card_ends.append(run[end])
                start = end + 1
        # An earlier redaction's [CARD] (text stored already) announces a code as well.
        for index, token in enumerate(self.tokens):
            if token.kind == MARKER and token.text == "[CARD]":
                self.card_ends.append(index)

    def _card_at(self, run: list[int], lengths: list[int], start: int) -> int | None:
        """The last group of a card number starting at group ``start`` of ``run``, or None.

        A card is a whole run, or a part of one set off by a comma (a pause: "my number is
        415 555 0100, 4111 …"), or followed by a code, a date, or both. Without that
        rule any long number (a tracking number, an order number read digit by digit) would
        hold a 13-to-19-digit stretch passing the checks by chance.
        """
        if start and not self._comma_before(run[start]):
            return None
        total, ends = 0, {}
        for end in range(start, len(run)):
            total += lengths[end]
            if total > 19:
                break
            rest = sum(lengths[end + 1 :])
            if total >= 13 and (rest in _AFTER_CARD or self._comma_before(run[end + 1])):
                ends[total] = end
        if not ends:
            return None
        digits_from = "".join(self.tokens[i].digits for i in run[start : max(ends.values()) + 1])
        for length in _PREFERRED:
            if length in ends and is_card_number(digits_from[:length]):
                return ends[length]
        return None

    def _comma_before(self, index: int) -> bool:
        before = self.tokens[index - 1] if index else None
        return before is not None and before.text == ","

    def cues(self, matches: list[tuple[str, re.Match[str]]]) -> list[tuple[str, int]]:
        """(kind, the index of the first token after the cue), in text order."""
        found = []
        for kind, match in matches:
            first = self._token_at(match.start())
            after = self._token_at(match.end())
            self.cue_spans.append((first, after))
            found.append((kind, after))
        found.sort(key=lambda item: item[1])
        return found

    def _token_at(self, offset: int) -> int:
        """The index of the first token starting at or after ``offset``."""
        for index, token in enumerate(self.tokens):
            if token.start >= offset:
                return index
        return len(self.tokens)

    def region(
        self, first: int, limit: int, want_cvv: bool, want_expiry: bool
    ) -> tuple[bool, bool]:
        """Take the code and/or the date from the tokens ``first``…``limit``."""
        got_cvv = got_expiry = False
        index = first
        while index < min(limit, len(self.tokens)) and (
            want_cvv > got_cvv or want_expiry > got_expiry
        ):
            if index in self.taken:
                index += 1
                continue
            if want_expiry and not got_expiry:
                end = self._expiry_at(index, limit, alone=not want_cvv)
                if end is not None:
                    self._add(EXPIRY, index, end)
                    got_expiry, index = True, end + 1
                    continue
            if want_cvv and not got_cvv:
                end = self._cvv_at(index, limit)
                if end is not None:
                    kind = CVV
                    if want_expiry and not got_expiry and self._another_code(end + 1, limit):
                        # "0927 123" after a card: the first is the date, the second the code.
                        kind = EXPIRY if self._is_mmyy(index, end) else CVV
                    self._add(kind, index, end)
                    got_cvv, got_expiry = got_cvv or kind == CVV, got_expiry or kind == EXPIRY
                    index = end + 1
                    continue
            index += 1
        return got_cvv, got_expiry

    def _numbers_from(self, index: int, limit: int) -> list[int]:
        """The untaken number tokens of the run that starts at token ``index``."""
        for run in self.runs:
            if index in run:
                numbers = []
                for i in run[run.index(index) :]:
                    if i >= limit or i in self.taken:
                        break
                    numbers.append(i)
                return numbers
        return []

    def _another_code(self, index: int, limit: int) -> bool:
        return any(
            i not in self.taken and self._cvv_at(i, limit) is not None
            for i in range(index, min(limit, len(self.tokens)))
            if self.tokens[i].kind == NUMBER
        )

    def _is_mmyy(self, first: int, last: int) -> bool:
        digits = "".join(
            self.tokens[i].digits for i in range(first, last + 1) if i not in self.taken
        )
        return len(digits) == 4 and _is_month(digits[:2])

    def _cvv_at(self, index: int, limit: int) -> int | None:
        """3 or 4 digits starting at ``index``, never a part of a longer written group."""
        total, end = 0, None
        for i in self._numbers_from(index, limit):
            if total + len(self.tokens[i].digits) > 4:
                break
            total += len(self.tokens[i].digits)
            end = i
        return end if total in (3, 4) else None

    def _expiry_at(self, index: int, limit: int, *, alone: bool) -> int | None:
        """A month and year starting at ``index``: ``09/27``, ``9 2027``, ``oh nine twenty
        seven``, ``Sept 27``; ``0927`` too when ``alone`` (no code is wanted that it could be)."""
        token = self.tokens[index]
        if token.kind == WORD and token.text in _MONTHS:
            for after in range(index + 1, min(index + 3, limit, len(self.tokens))):
                if self.tokens[after].kind == NUMBER:
                    year = self._numbers_from(after, limit)
                    return _year_end(self.tokens, year)
            return None
        numbers = self._numbers_from(index, limit)
        if not numbers:
            return None
        parts = [self.tokens[i].digits for i in numbers[:4]]
        # Month and year as two groups ("09 27", "9/2027") or three spoken ("oh nine | 27").
        if len(parts) > 1 and _is_month(parts[0]) and _is_year(parts[1]):
            return numbers[1]
        if len(parts) > 2 and len(parts[0] + parts[1]) == 2 and _is_month(parts[0] + parts[1]):
            return numbers[2] if len(parts[2]) == 2 else None
        if not alone:
            return None
        joined = ""
        for position, part in enumerate(parts):
            joined += part
            if len(joined) > 6:
                break
            if len(joined) in (4, 6) and _is_month(joined[:2]) and _is_year(joined[2:]):
                return numbers[position]
        return None


def _is_month(digits: str) -> bool:
    return 1 <= len(digits) <= 2 and 1 <= int(digits) <= 12


def _is_year(digits: str) -> bool:
    """``27`` or ``2027``: a card's expiry year, this century."""
    return len(digits) == 2 or (len(digits) == 4 and digits.startswith("20"))


def _year_end(tokens: list[Token], numbers: list[int]) -> int | None:
    """The last token of a year (``27``, ``2027``, ``twenty twenty seven``) or None."""
    if not numbers:
        return None
    first = tokens[numbers[0]].digits
    if len(first) == 4 and first.startswith("20"):
        return numbers[0]
    if first == "20" and len(numbers) > 1 and len(tokens[numbers[1]].digits) == 2:
        return numbers[1]
    if len(first) == 2:
        return numbers[0]
    return None
