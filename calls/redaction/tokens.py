"""Numbers in a transcript, however they were said: the tokens the payment detectors read.

Speech-to-text writes a card number as ``4111 1111 1111 1111``, ``4111-1111-…``, or as the
words ``four one one one …`` (also ``forty one eleven``, ``double one``, ``oh`` for zero).
The tokenizer turns each of those into a *number token* carrying its digits and its span of
the original text, so a detector works on digits and the redaction still replaces exactly
the words that were said. A *run* is a sequence of number tokens separated by nothing but
spaces or one of ``- . , /`` each: the way a number is read out in groups.

Digits glued to letters (``1Z999AA1012…``, ``A-12``, ``3rd``) are part of a code, not a
number said aloud, and never join a run.
"""

import re

_ONES = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_REPEAT = {"double": 2, "triple": 3}
NUMBER_WORDS = frozenset({*_ONES, *TEENS, *TENS, *_REPEAT})

# Digits, bracketed markers, words (letters and an inner apostrophe), or one other mark.
_TOKEN = re.compile(r"(\d+)|(\[[A-Z_]+\])|([^\W\d_]+(?:'[^\W\d_]+)?)|\S")
_SEPARATORS = frozenset("-.,/")

WORD, NUMBER, MARK, MARKER = "word", "number", "mark", "marker"


class Token:
    __slots__ = ("digits", "end", "glued", "kind", "spoken", "start", "text")

    def __init__(
        self, kind: str, text: str, start: int, end: int, digits: str = "", spoken: bool = False
    ):
        self.kind = kind  # WORD, NUMBER, MARK (punctuation) or MARKER (an earlier [CARD])
        self.text = text  # lower-cased for words
        self.start = start
        self.end = end
        self.digits = digits  # NUMBER only
        self.glued = False  # NUMBER written as digits touching letters: part of a code
        self.spoken = spoken  # NUMBER made of words


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, with spoken numbers merged into number tokens: ``forty one``
    is 41, ``double one`` is 11. One pass: this runs for every message that may hold a
    card number, on the write path."""
    out: list[Token] = []
    append = out.append
    # What the last token may still become: "tens" (forty → forty one), "repeat" (double →
    # double one), or "" (nothing).
    open_as = ""
    for match in _TOKEN.finditer(text):
        digits, marker, word = match.groups()
        start, end = match.span()
        if digits:
            token = Token(NUMBER, digits, start, end, digits)
            last = out[-1] if out else None
            token.glued = last is not None and last.kind == WORD and last.end == start
            append(token)
            open_as = ""
        elif word:
            lower = word.lower()
            last = out[-1] if out else None
            if last is not None and last.kind == NUMBER and not last.spoken and last.end == start:
                last.glued = True  # "3rd", "12A": a code, not a number said
            ones = _ONES.get(lower)
            if ones is not None and open_as == "tens" and ones != "0" and last is not None:
                last.digits = last.text = last.digits[0] + ones
                last.end = end
                open_as = ""
            elif ones is not None and open_as == "repeat" and last is not None:
                out[-1] = Token(
                    NUMBER, ones * _REPEAT[last.text], last.start, end, ones * _REPEAT[last.text]
                )
                out[-1].spoken = True
                open_as = ""
            elif ones is not None:
                append(_spoken(ones, start, end))
                open_as = ""
            elif lower in TEENS:
                append(_spoken(TEENS[lower], start, end))
                open_as = ""
            elif lower in TENS:
                append(_spoken(TENS[lower] + "0", start, end))
                open_as = "tens"
            else:
                append(Token(WORD, lower, start, end))
                open_as = "repeat" if lower in _REPEAT else ""
        elif marker:
            append(Token(MARKER, marker, start, end))
            open_as = ""
        else:
            append(Token(MARK, match.group(), start, end))
            open_as = ""
    return out


def _spoken(digits: str, start: int, end: int) -> Token:
    return Token(NUMBER, digits, start, end, digits, spoken=True)


def runs(tokens: list[Token]) -> list[list[int]]:
    """Indexes of the number tokens of each run, in order."""
    result: list[list[int]] = []
    current: list[int] = []
    gap_ok = False  # the previous token was a number, or one separator after a number
    for index, token in enumerate(tokens):
        if token.kind == NUMBER and not token.glued:
            if not gap_ok and current:
                result.append(current)
                current = []
            current.append(index)
            gap_ok = True
        elif (
            token.kind == MARK
            and token.text in _SEPARATORS
            and current
            and current[-1] == index - 1
        ):
            gap_ok = True
        else:
            if current:
                result.append(current)
                current = []
            gap_ok = False
    if current:
        result.append(current)
    return result
