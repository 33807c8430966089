"""Each call's transcript words on its row (migration 0013, ``calls.sql.lexemes``; PostgreSQL).

The triggers keep the set true through every kind of write (added, changed, redacted,
hidden, deleted and moved messages), and the search that tests it first finds exactly what
a search of the messages alone finds: phrases within one message, negations, words past the
set's size limit.
"""

import pytest
from django.db import connection

from calls.models import PhoneCall, TranscriptMessage
from calls.staff.selectors import phone_call_search
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers"),
]


def words(call: PhoneCall) -> set[str] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(transcript_lexemes) FROM calls_phonecall WHERE id = %s",
            [call.pk],
        )
        (lexemes,) = cursor.fetchone()
    return None if lexemes is None else set(lexemes)


def say(call: PhoneCall, text: str, **fields) -> TranscriptMessage:
    return TranscriptMessageFactory(call=call, message_content=text, **fields)


def found(text: str) -> set[int]:
    return set(phone_call_search(PhoneCall.objects.all(), text).values_list("id", flat=True))


def test_a_new_call_says_nothing():
    assert words(PhoneCallFactory()) == set()


def test_messages_added_add_their_words_stemmed_once():
    call = PhoneCallFactory()
    say(call, "My screen is broken")
    say(call, "Broken screens are covered by the warranty")
    assert words(call) == {"screen", "broken", "cover", "warranti"}


def test_messages_added_in_one_statement_reach_each_of_their_calls():
    first, second = PhoneCallFactory(), PhoneCallFactory()
    TranscriptMessage.objects.bulk_create(
        [
            TranscriptMessageFactory.build(call=first, message_content="refund please"),
            TranscriptMessageFactory.build(call=second, message_content="invoice"),
            TranscriptMessageFactory.build(call=first, message_content="invoice"),
        ]
    )
    assert words(first) == {"refund", "pleas", "invoic"}
    assert words(second) == {"invoic"}


def test_a_changed_message_drops_the_words_no_message_says_any_more():
    call = PhoneCallFactory()
    message = say(call, "my card number is private")
    say(call, "the card was declined")
    message.message_content = "my [redacted] is private"
    message.save()
    assert words(call) == {"card", "declin", "redact", "privat"}
    assert found("number") == set()
    assert found("card") == {call.pk}


def test_a_hidden_or_deleted_message_takes_its_words_away():
    call = PhoneCallFactory()
    hidden = say(call, "chargeback")
    deleted = say(call, "escalate")
    say(call, "hello")
    TranscriptMessage.objects.filter(pk=hidden.pk).update(deleted_flag=True)
    deleted.delete()
    assert words(call) == {"hello"}
    TranscriptMessage.objects.filter(pk=hidden.pk).update(deleted_flag=False)
    assert words(call) == {"hello", "chargeback"}


def test_a_message_moved_to_another_call_moves_its_words():
    source, target = PhoneCallFactory(), PhoneCallFactory()
    message = say(source, "warranty")
    TranscriptMessage.objects.filter(pk=message.pk).update(call=target)
    assert words(source) == set()
    assert words(target) == {"warranti"}


def test_a_change_elsewhere_in_a_message_leaves_the_call_row_alone():
    call = PhoneCallFactory()
    message = say(call, "warranty")
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM calls_phonecall WHERE id = %s", [call.pk])
        before = cursor.fetchone()
        TranscriptMessage.objects.filter(pk=message.pk).update(posted_by_display_name="Ann")
        cursor.execute("SELECT xmin::text FROM calls_phonecall WHERE id = %s", [call.pk])
        assert cursor.fetchone() == before  # no new row version: nothing recounted


def test_a_phrase_is_matched_within_one_message():
    together = PhoneCallFactory()
    say(together, "The broken screen again")
    apart = PhoneCallFactory()
    say(apart, "It is broken")
    say(apart, "The screen, I mean")
    assert found('"broken screen"') == {together.pk}
    assert found("broken screen") == {together.pk}  # both words, in one message
    assert found("broken or screen") == {together.pk, apart.pk}


def test_negations_are_about_the_message_and_an_only_negative_search_still_works():
    refund_only = PhoneCallFactory()
    say(refund_only, "a refund")
    both = PhoneCallFactory()
    say(both, "a refund")
    say(both, "about the warranty")
    assert found("warranty -refund") == {both.pk}
    assert found("-refund") == {both.pk}  # its second message does not say it
    assert found("refund or warranty") == {refund_only.pk, both.pk}


def test_a_search_of_stopwords_alone_finds_no_transcript():
    call = PhoneCallFactory()
    say(call, "the and of")
    assert found("the") == set()


def test_a_call_whose_words_are_unknown_is_still_searched():
    call = PhoneCallFactory()
    say(call, "chargeback")
    with connection.cursor() as cursor:  # as past the size limit
        cursor.execute(
            "UPDATE calls_phonecall SET transcript_lexemes = NULL WHERE id = %s", [call.pk]
        )
    assert found("chargeback") == {call.pk}
    assert found("warranty") == set()
    say(call, "warranty")  # an unknown set stays unknown: no partial set is kept
    assert words(call) is None
    assert found("warranty") == {call.pk}


def test_a_transcript_past_the_size_limit_is_kept_as_unknown_and_still_found():
    call = PhoneCallFactory()
    # 70,000 distinct words of 14 letters: past the 900,000 bytes a set may hold.
    TranscriptMessage.objects.bulk_create(
        TranscriptMessageFactory.build(
            call=call,
            message_content=" ".join(f"w{i * 1_000 + j:013d}" for j in range(1_000)),
        )
        for i in range(70)
    )
    assert words(call) is None
    assert found("w0000000012345") == {call.pk}
