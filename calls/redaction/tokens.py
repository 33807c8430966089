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


# Each number word: its digits and what it may still become (see ``tokenize``).
_ONES_ROLE, _TENS_ROLE = "ones", "tens"
_SPOKEN: dict[str, tuple[str, str]] = {
    **{word: (digits, _ONES_ROLE) for word, digits in _ONES.items()},
    **{word: (digits, "") for word, digits in TEENS.items()},
    **{word: (digits + "0", _TENS_ROLE) for word, digits in TENS.items()},
}


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, with spoken numbers merged into number tokens: ``forty one``
    is 41, ``double one`` is 11. One pass: this runs for every message that may hold a
    card number, on the write path (hence the one dictionary look-up per word, and
    ``last`` kept at hand rather than read from the list)."""
    out: list[Token] = []
    append = out.append
    last: Token | None = None
    # What the last token may still become: "tens" (forty → forty one), "repeat" (double →
    # double one), or "" (nothing).
    open_as = ""
    for match in _TOKEN.finditer(text):
        group = match.lastindex  # 1 digits, 2 a marker, 3 a word, None one other mark
        start, end = match.span()
        if group == 3:
            lower = match.group(3).lower()
            if last is not None and last.kind == NUMBER and not last.spoken and last.end == start:
                last.glued = True  # "3rd", "12A": a code, not a number said
            spoken = _SPOKEN.get(lower)
            if spoken is None:
                last = Token(WORD, lower, start, end)
                append(last)
                open_as = "repeat" if lower in _REPEAT else ""
                continue
            digits, role = spoken
            if role == _ONES_ROLE and open_as == "tens" and digits != "0" and last is not None:
                last.digits = last.text = last.digits[0] + digits
                last.end = end
            elif role == _ONES_ROLE and open_as == "repeat" and last is not None:
                repeated = digits * _REPEAT[last.text]
                last = out[-1] = Token(NUMBER, repeated, last.start, end, repeated, True)
            else:
                last = Token(NUMBER, digits, start, end, digits, True)
                append(last)
                open_as = "tens" if role == _TENS_ROLE else ""
                continue
            open_as = ""
        elif group == 1:
            digits = match.group(1)
            token = Token(NUMBER, digits, start, end, digits)
            token.glued = last is not None and last.kind == WORD and last.end == start
            last = token
            append(token)
            open_as = ""
        else:
            last = Token(MARKER if group == 2 else MARK, match.group(), start, end)
            append(last)
            open_as = ""
    return out


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
