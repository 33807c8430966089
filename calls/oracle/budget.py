"""How much one batch may render: the batch's GET parts share one page's worth of rows.

A batch of 100 parts, each a ``limit=500&expand=all`` GET, would otherwise render (and hold
in memory until the answer is written) a hundred of the heaviest pages at once. Its GET
parts together may render at most what one such page of the bench renders: 500 items
(calls or messages at the top of a part's answer, ``limit``'s maximum) and 10,000 messages
expanded inside calls. A part that would go past either is refused with a 400 before it
renders anything (README "Limits").
"""

from dataclasses import dataclass, field

from .errors import bad_request

BATCH_MAX_ITEMS = 500
BATCH_MAX_EXPANDED_MESSAGES = 10_000


@dataclass
class RenderBudget:
    """What is left of one batch's rendering budget; GET parts spend it before rendering."""

    # Read when a batch starts (not at import), so tests can lower the limits.
    items: int = field(default_factory=lambda: BATCH_MAX_ITEMS)
    expanded_messages: int = field(default_factory=lambda: BATCH_MAX_EXPANDED_MESSAGES)

    def spend(self, *, items: int, expanded_messages: int = 0) -> None:
        # items=0 is a check before any query: a part after the budget is spent fetches nothing.
        if items > self.items or (items == 0 and self.items == 0):
            raise bad_request(
                f"The GET parts of one batch render at most {BATCH_MAX_ITEMS} items "
                "in all; split the batch or lower limit.",
                code="batch_too_large",
            )
        if expanded_messages > self.expanded_messages:
            raise bad_request(
                f"The GET parts of one batch render at most {BATCH_MAX_EXPANDED_MESSAGES} "
                "expanded messages in all; split the batch or expand less.",
                code="batch_too_large",
            )
        self.items -= items
        self.expanded_messages -= expanded_messages
