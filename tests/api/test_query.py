"""The q parameter: both syntaxes against real rows, errors, and hostile input."""

import contextlib
from datetime import UTC, datetime

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calls.models import PhoneCall, TranscriptMessage
from calls.oracle.attributes import CALL_BY_NAME, CHILD_NAME, MESSAGE_BY_NAME
from calls.oracle.query import (
    MAX_CHILD_CONDITIONS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    QueryError,
    parse_q,
)
from tests.api.helpers import CALLS, version_header
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

CHILDREN = {CHILD_NAME: ("messages", MESSAGE_BY_NAME)}


def q(text: str, version: int = 2) -> Q:
    return parse_q(text, version=version, attributes=CALL_BY_NAME, children=CHILDREN)


def matching(text: str, version: int = 2) -> set[str]:
    """The keys (see the calls fixture) of the calls that ``text`` selects."""
    rows = list(PhoneCall.objects.filter(q(text, version)).values_list("call_number", flat=True))
    assert len(rows) == len(set(rows)), "a call was returned twice"
    return {KEYS[number] for number in rows}


KEYS = {
    "CALL-ALPHA": "alpha",
    "call-beta": "beta",
    "CALL_GAMMA%": "gamma",
    "Delta": "delta",
}


@pytest.fixture
def calls(db):
    """Four calls chosen so that every operator separates them."""
    alpha = PhoneCallFactory(
        call_number="CALL-ALPHA",
        phone_number="+14155550100",
        interaction_id=100,
        left_message_flag=True,
        external_system_call_id="EXT one two",
        creation_date=datetime(2024, 5, 16, 10, 20, 25, 453000, tzinfo=UTC),
    )
    beta = PhoneCallFactory(
        call_number="call-beta",
        phone_number="+14155550199",
        interaction_id=200,
        external_system_call_id="x;y",
        creation_date=datetime(2024, 5, 17, tzinfo=UTC),
    )
    gamma = PhoneCallFactory(
        call_number="CALL_GAMMA%",
        phone_number=None,
        interaction_id=300,
        external_system_call_id="a*b?[c]",
        creation_date=datetime(2024, 5, 15, 23, 59, 59, tzinfo=UTC),
    )
    delta = PhoneCallFactory(
        call_number="Delta",
        phone_number="5551234",
        interaction_id=9223372036854775807,
        left_message_flag=True,
        deleted_flag=True,
        external_system_call_id="O'Brien",
        creation_date=datetime(2024, 5, 16, tzinfo=UTC),
    )
    # alpha: two AGENT messages (a call must still come back once) and one CUSTOMER;
    # beta: one CUSTOMER; gamma and delta: none.
    for role in ("AGENT", "AGENT", "CUSTOMER"):
        TranscriptMessageFactory(call=alpha, role_cd=role)
    TranscriptMessageFactory(call=beta, role_cd="CUSTOMER", visibility_cd="INTERNAL")
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}


ALL = {"alpha", "beta", "gamma", "delta"}


# ------------------------------------------------------------ version 2: expressions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PhoneNumber = '+14155550100'", {"alpha"}),
        ("PhoneNumber != '+14155550100'", {"beta", "delta"}),  # null never matches
        ("PhoneNumber <> '+14155550100'", {"beta", "delta"}),
        ("InteractionId < 200", {"alpha"}),
        ("InteractionId <= 200", {"alpha", "beta"}),
        ("InteractionId > 200", {"gamma", "delta"}),
        ("InteractionId >= 200", {"beta", "gamma", "delta"}),
        ("InteractionId = 9223372036854775807", {"delta"}),
        ("InteractionId = '100'", {"alpha"}),
        ("CallId > -1", ALL),
        ("PhoneNumber > '+14155550100'", {"beta", "delta"}),
        ("LeftMessageFlag = true", {"alpha", "delta"}),
        ("LeftMessageFlag = FALSE", {"beta", "gamma"}),
        ("LeftMessageFlag != true", {"beta", "gamma"}),
        ("ExternalSystemCallId = 'O''Brien'", {"delta"}),
        ("PhoneNumber = 5551234", {"delta"}),
    ],
)
def test_comparison_operators_select_the_right_calls(calls, text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PhoneNumber LIKE '+1415%'", {"alpha", "beta"}),
        ("PhoneNumber LIKE '+1415*'", {"alpha", "beta"}),
        ("PhoneNumber LIKE '%0100'", {"alpha"}),
        ("PhoneNumber LIKE '%555%'", {"alpha", "beta", "delta"}),
        ("PhoneNumber LIKE '+1415555019_'", {"beta"}),
        ("PhoneNumber LIKE '+1415555019'", set()),
        ("PhoneNumber LIKE '%'", {"alpha", "beta", "delta"}),
        ("PhoneNumber LIKE '+14155550100'", {"alpha"}),
        ("PhoneNumber NOT LIKE '+1415%'", {"delta"}),  # null never matches
        ("CallNumber LIKE 'CALL%'", {"alpha", "gamma"}),  # case-sensitive
        ("CallNumber LIKE 'call%'", {"beta"}),
        ("CallNumber LIKE 'c%a'", {"beta"}),
        ("CallNumber LIKE '%\\%' ESCAPE '\\'", {"gamma"}),
        ("CallNumber LIKE '%!_%' ESCAPE '!'", {"gamma"}),
        ("CallNumber LIKE 'CALL_%'", {"alpha", "gamma"}),
        # GLOB's own wildcards are literals in a LIKE pattern.
        ("ExternalSystemCallId LIKE '%?[c]'", {"gamma"}),
        ("ExternalSystemCallId LIKE 'a!*b%' ESCAPE '!'", {"gamma"}),
        ("ExternalSystemCallId LIKE '%[%'", {"gamma"}),
        ("ExternalSystemCallId LIKE 'O''%'", {"delta"}),
        ("ExternalSystemCallId LIKE '%;%'", {"beta"}),
    ],
)
def test_like_is_case_sensitive_with_percent_star_and_underscore(calls, text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("InteractionId IN (100, 300)", {"alpha", "gamma"}),
        ("InteractionId NOT IN (100, 300)", {"beta", "delta"}),
        ("PhoneNumber IN ('+14155550100', '5551234', 'nope')", {"alpha", "delta"}),
        ("PhoneNumber NOT IN ('+14155550100')", {"beta", "delta"}),
        ("InteractionId BETWEEN 100 AND 200", {"alpha", "beta"}),
        ("InteractionId NOT BETWEEN 100 AND 200", {"gamma", "delta"}),
        ("InteractionId BETWEEN 200 AND 100", set()),
        ("PhoneNumber IS NULL", {"gamma"}),
        ("PhoneNumber IS NOT NULL", {"alpha", "beta", "delta"}),
        ("CallDetailsURL is null", ALL),
    ],
)
def test_in_between_and_null_tests(calls, text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # AND binds tighter than OR.
        ("InteractionId = 100 OR InteractionId = 200 AND LeftMessageFlag = true", {"alpha"}),
        ("(InteractionId = 100 OR InteractionId = 200) AND LeftMessageFlag = false", {"beta"}),
        (
            "LeftMessageFlag = false AND InteractionId = 200 OR InteractionId = 300",
            {"beta", "gamma"},
        ),
        # NOT binds tighter than AND, and follows SQL's three-valued logic.
        ("NOT InteractionId = 100 AND LeftMessageFlag = true", {"delta"}),
        ("NOT (InteractionId = 100 OR LeftMessageFlag = true)", {"beta", "gamma"}),
        ("NOT NOT InteractionId = 100", {"alpha"}),
        ("NOT PhoneNumber = '+14155550100'", {"beta", "delta"}),
        ("((((InteractionId = 300))))", {"gamma"}),
        (
            "PhoneNumber = '+14155550100' and (LeftMessageFlag = true or InteractionId > 100)",
            {"alpha"},
        ),
    ],
)
def test_precedence_and_parentheses(calls, text, expected):
    assert matching(text) == expected


def test_keywords_are_case_insensitive(calls):
    assert matching("PhoneNumber is not null") == {
        "alpha",
        "beta",
        "delta",
    }
    assert matching("InteractionId between 100 aNd 200 Or PhoneNumber Is Null") == {
        "alpha",
        "beta",
        "gamma",
    }
    assert matching("CallNumber not like 'CALL%' and LeftMessageFlag = True") == {"delta"}


def test_attribute_names_are_case_sensitive(calls):
    with pytest.raises(QueryError, match="unknown attribute 'phoneNumber'"):
        q("phoneNumber = '+14155550100'")


def test_string_equality_is_case_sensitive_and_upper_lower_fold_it(calls):
    assert matching("CallNumber = 'call-alpha'") == set()
    assert matching("LOWER(CallNumber) = 'call-alpha'") == {"alpha"}
    assert matching("upper(CallNumber) = 'CALL-BETA'") == {"beta"}
    assert matching("UPPER(CallNumber) LIKE 'CALL-%'") == {"alpha", "beta"}
    assert matching("Lower(CallNumber) IN ('delta', 'call-beta')") == {"beta", "delta"}


def test_an_attribute_named_like_a_function_is_still_an_attribute(calls):
    with pytest.raises(QueryError, match="unknown attribute 'Upper'"):
        q("Upper = 'x'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CreationDate = '2024-05-16T10:20:25.453+00:00'", {"alpha"}),
        ("CreationDate = '2024-05-16T10:20:25.453Z'", {"alpha"}),
        ("CreationDate = '2024-05-16T12:20:25.453+02:00'", {"alpha"}),
        ("CreationDate = '2024-05-16T10:20:25.453'", {"alpha"}),  # no offset: UTC
        ("CreationDate = '2024-05-16'", {"delta"}),  # a date alone: midnight UTC
        ("CreationDate >= '2024-05-16'", {"alpha", "beta", "delta"}),
        ("CreationDate < '2024-05-16'", {"gamma"}),
        ("CreationDate > '2024-05-16T10:20:25.452Z'", {"alpha", "beta"}),
        ("CreationDate > '2024-05-16T10:20:25.453Z'", {"beta"}),
        ("CreationDate BETWEEN '2024-05-16' AND '2024-05-16T23:59:59Z'", {"alpha", "delta"}),
        ("CreationDate IN ('2024-05-17', '2024-05-15T23:59:59Z')", {"beta", "gamma"}),
        ("CreationDate <= '2024-05-16T02:00:00+02:00'", {"gamma", "delta"}),
        ("CreationDate < '2024-05-16T01:00:00+02:00'", set()),
    ],
)
def test_dates_compare_as_times(calls, text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TranscriptMessage.RoleCd = 'AGENT'", {"alpha"}),
        ("TranscriptMessage.RoleCd = 'CUSTOMER'", {"alpha", "beta"}),
        ("NOT TranscriptMessage.RoleCd = 'AGENT'", {"beta", "gamma", "delta"}),
        ("TranscriptMessage.VisibilityCd = 'INTERNAL' OR InteractionId = 300", {"beta", "gamma"}),
        ("TranscriptMessage.RoleCd LIKE 'CUST%' AND LeftMessageFlag = false", {"beta"}),
        ("TranscriptMessage.MessageId IS NOT NULL", {"alpha", "beta"}),
        ("UPPER(TranscriptMessage.RoleCd) IN ('AGENT')", {"alpha"}),
        ("TranscriptMessage.InteractionId = 200", {"beta"}),
    ],
)
def test_child_attributes_select_calls_having_such_a_message(calls, text, expected):
    assert matching(text) == expected


def test_like_with_many_wildcards_stays_fast_on_a_long_value(calls):
    # A backtracking regex would take exponential time here; LIKE and GLOB do not.
    long = PhoneCallFactory(call_number="Long", external_system_call_id="a" * 255)
    pattern = "%a" * 12 + "%b"
    assert not PhoneCall.objects.filter(
        q(f"ExternalSystemCallId LIKE '{pattern}'") & Q(pk=long.pk)
    ).exists()


def test_child_filter_returns_each_call_once(calls):
    assert PhoneCall.objects.filter(q("TranscriptMessage.RoleCd = 'AGENT'")).count() == 1


def test_a_child_collection_is_queried_with_its_own_attributes(calls):
    alpha = calls["alpha"]
    ids = set(alpha.messages.values_list("id", flat=True))
    query = parse_q(
        "InteractionId = 100 and RoleCd = 'AGENT'", version=2, attributes=MESSAGE_BY_NAME
    )
    selected = set(TranscriptMessage.objects.filter(query).values_list("id", flat=True))
    assert selected == set(alpha.messages.filter(role_cd="AGENT").values_list("id", flat=True))
    assert selected < ids
    with pytest.raises(QueryError, match="unknown attribute 'TranscriptMessage.RoleCd'"):
        parse_q("TranscriptMessage.RoleCd = 'AGENT'", version=2, attributes=MESSAGE_BY_NAME)


def test_blank_q_is_no_condition(calls):
    assert q("") == Q()
    assert matching("   ") == ALL
    assert matching(" ; ", version=1) == ALL


def test_ids_compare_with_factory_ids(calls):
    alpha, gamma = calls["alpha"], calls["gamma"]
    assert matching(f"CallId = {alpha.pk}") == {"alpha"}
    assert matching(f"CallId IN ({alpha.pk}, {gamma.pk})") == {"alpha", "gamma"}
    assert matching(f"CallId = {alpha.pk}", version=1) == {"alpha"}


# -------------------------------------------------------- version 1: query by example


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PhoneNumber 555*", {"delta"}),
        ("PhoneNumber +1415*;LeftMessageFlag=true", {"alpha"}),
        ("PhoneNumber=+14155550100", {"alpha"}),
        ("PhoneNumber = +14155550100 ", {"alpha"}),
        ("PhoneNumber != +14155550100", {"beta", "delta"}),
        ("PhoneNumber<>+14155550100", {"beta", "delta"}),
        ("PhoneNumber !=+1415*", {"delta"}),
        ("PhoneNumber *0100", {"alpha"}),
        ("PhoneNumber *", {"alpha", "beta", "delta"}),
        ("InteractionId>100", {"beta", "gamma", "delta"}),
        ("InteractionId>=200;InteractionId<=300", {"beta", "gamma"}),
        ("InteractionId<200", {"alpha"}),
        ("InteractionId 200", {"beta"}),
        ("LeftMessageFlag=TRUE", {"alpha", "delta"}),
        ("LeftMessageFlag false", {"beta", "gamma"}),
        ("ExternalSystemCallId=EXT one two", {"alpha"}),
        ("ExternalSystemCallId EXT one *", {"alpha"}),
        ("ExternalSystemCallId='x;y'", {"beta"}),
        ("ExternalSystemCallId=O'Brien", {"delta"}),
        ("ExternalSystemCallId='O''Brien'", {"delta"}),
        ("CallNumber CALL*", {"alpha", "gamma"}),  # case-sensitive like v2
        ("CallNumber CALL_*", {"gamma"}),  # _ and % are literals in v1
        ("CallNumber *%", {"gamma"}),
        ("CreationDate>=2024-05-16", {"alpha", "beta", "delta"}),
        ("CreationDate=2024-05-16T10:20:25.453+00:00", {"alpha"}),
        ("CreationDate<2024-05-16T00:00:00Z", {"gamma"}),
        ("TranscriptMessage.RoleCd=AGENT", {"alpha"}),
        ("TranscriptMessage.RoleCd CUST*;InteractionId>100", {"beta"}),
        (";PhoneNumber 555*;;", {"delta"}),
    ],
)
def test_query_by_example(calls, text, expected):
    assert matching(text, version=1) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Oracle's own example: conditions on one attribute chained with and/or.
        ("InteractionId>=100 and <= 200", {"alpha", "beta"}),
        ("InteractionId>=100 and <=200;PhoneNumber!=+14155550100", {"beta"}),
        ("InteractionId=100 or =300", {"alpha", "gamma"}),
        ("InteractionId = 100 OR = 300", {"alpha", "gamma"}),
        # AND binds tighter than OR, as in SQL: 100 or (300 and > 200).
        ("InteractionId=100 or =300 and >200", {"alpha", "gamma"}),
        ("InteractionId=100 or =300 and <200", {"alpha"}),
        ("PhoneNumber='+14155550100' or '5551234'", {"alpha", "delta"}),
        ("PhoneNumber IS NULL or LIKE '555%'", {"gamma", "delta"}),
        ("ExternalSystemCallId EXT one two", {"alpha"}),  # "and" inside a value is text
        # LIKE and NOT LIKE: %, * and _ are wildcards; the pattern may be unquoted.
        ("PhoneNumber LIKE '+1415%'", {"alpha", "beta"}),
        ("PhoneNumber like +1415%", {"alpha", "beta"}),
        ("PhoneNumber LIKE '*0100'", {"alpha"}),
        ("PhoneNumber LIKE '+1415555019_'", {"beta"}),
        ("PhoneNumber NOT LIKE '+1415%'", {"delta"}),  # null never matches
        ("CallNumber LIKE 'call%'", {"beta"}),  # case-sensitive, as in version 2
        ("ExternalSystemCallId LIKE 'x;%'", {"beta"}),
        ("TranscriptMessage.RoleCd LIKE 'AG%'", {"alpha"}),
        # IS NULL, IS NOT NULL.
        ("PhoneNumber IS NULL", {"gamma"}),
        ("PhoneNumber is not null", {"alpha", "beta", "delta"}),
        ("CallDetailsURL IS NULL;LeftMessageFlag=true", {"alpha", "delta"}),
        # BETWEEN a AND b, quoted or not, with dates as times.
        ("InteractionId BETWEEN 100 AND 200", {"alpha", "beta"}),
        ("InteractionId between '150' and '300'", {"beta", "gamma"}),
        ("InteractionId NOT BETWEEN 100 AND 200", {"gamma", "delta"}),
        ("InteractionId BETWEEN 100 AND 100 or >= 300", {"alpha", "gamma", "delta"}),
        ("CreationDate BETWEEN 2024-05-16 AND 2024-05-16T23:59:59Z", {"alpha", "delta"}),
        ("CreationDate>=2024-05-16 and <2024-05-17", {"alpha", "delta"}),
        ("CallNumber BETWEEN 'CALL' AND 'D'", {"alpha", "gamma"}),
    ],
)
def test_query_by_example_operators_and_chained_conditions(calls, text, expected):
    assert matching(text, version=1) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PhoneNumber CONTAINS '555'", "CONTAINS is not an operator of query by example"),
        ("PhoneNumber ILIKE +1415%", "ILIKE is not an operator"),
        ("PhoneNumber STARTSWITH('+1')", "STARTSWITH is not an operator"),
        ("PhoneNumber Foo '+1'", "Foo is not an operator"),
        ("InteractionId IN (100, 200)", "IN needs REST-Framework-Version 2"),
        ("InteractionId>=10 and CONTAINS '1'", "CONTAINS is not an operator"),
        ("PhoneNumber NOT IN ('x')", "expected BETWEEN, LIKE"),
        ("PhoneNumber IS EMPTY", "expected NOT, NULL"),
        ("InteractionId BETWEEN 1", "unexpected end of q"),
        ("InteractionId BETWEEN 1 AND", "unexpected end of q"),
        ("InteractionId>=10 and <=", "unexpected end of q"),
        ("PhoneNumber LIKE", "unexpected end of q"),
        ("InteractionId LIKE '1%'", "LIKE applies to string attributes only"),
        ("LeftMessageFlag BETWEEN false AND true", "BETWEEN does not apply"),
        ("LeftMessageFlag=true or >false", "only = and != apply"),
        ("InteractionId BETWEEN 1 AND x", "is an integer; 'x' is not"),
        ("CreationDate BETWEEN yesterday AND 2024-05-16", "is a date-time"),
        ("PhoneNumber>555* or =1", "wildcard * works with = and != only"),
    ],
)
def test_query_by_example_refuses_what_it_cannot_read(db, text, message):
    with pytest.raises(QueryError) as caught:
        q(text, version=1)
    assert message in str(caught.value)


def test_query_by_example_counts_every_chained_condition_against_the_limits(db):
    chain = " or ".join(["=1"] * MAX_CONDITIONS)
    assert isinstance(q(f"InteractionId{chain}", version=1), Q)
    with pytest.raises(QueryError, match=f"more than {MAX_CONDITIONS} conditions"):
        q(f"InteractionId{chain} or =2", version=1)
    child = " or ".join(["=AGENT"] * MAX_CHILD_CONDITIONS)
    assert isinstance(q(f"TranscriptMessage.RoleCd{child}", version=1), Q)
    with pytest.raises(QueryError, match="conditions on child attributes"):
        q(f"TranscriptMessage.RoleCd{child} or =X", version=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("InteractionId >= 100; InteractionId <= 200", {"alpha", "beta"}),
        # ; binds loosest: (100 or 300) and a left message.
        ("InteractionId = 100 or InteractionId = 300; LeftMessageFlag = true", {"alpha"}),
        ("LeftMessageFlag = true;", {"alpha", "delta"}),
        (";; LeftMessageFlag = true ;; DeletedFlag = false", {"alpha"}),
        ("ExternalSystemCallId = 'x;y'", {"beta"}),  # a quoted ; is text
    ],
)
def test_a_semicolon_between_expressions_means_and_in_version_2(calls, text, expected):
    assert matching(text, version=2) == expected


def test_versions_above_two_use_expressions(calls):
    for version in (3, 4, 9):
        assert matching("InteractionId = 100", version=version) == {"alpha"}
    with pytest.raises(QueryError):
        q("PhoneNumber 555*", version=5)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("version", "text", "message"),
    [
        (2, "Nope = 1", "unknown attribute 'Nope'"),
        (2, "TranscriptMessage.Nope = 1", "unknown attribute 'TranscriptMessage.Nope'"),
        (2, "Other.RoleCd = 1", "unknown attribute 'Other.RoleCd'"),
        (2, "TranscriptMessage.RoleCd.X = 1", "unknown attribute"),
        (2, "CallRecording IS NULL", "'CallRecording' cannot be used in q"),
        (2, "TranscriptMessage.MessageContent = 'x'", "cannot be used in q"),
        (2, "InteractionId = 'abc'", "InteractionId is an integer; 'abc' is not"),
        (2, "InteractionId = 1.5", "is an integer"),
        (2, "InteractionId = 9223372036854775808", "64-bit"),
        (2, "InteractionId = -9223372036854775809", "64-bit"),
        (2, "InteractionId = 123456789012345678901234567890", "is an integer"),
        (2, "InteractionId = true", "is an integer"),
        (2, "LeftMessageFlag = 1", "is a boolean"),
        (2, "LeftMessageFlag = 'yes'", "is a boolean"),
        (2, "LeftMessageFlag > false", "only = and != apply"),
        (2, "LeftMessageFlag BETWEEN false AND true", "BETWEEN does not apply"),
        (2, "PhoneNumber = true", "is a string"),
        (2, "PhoneNumber = null", "IS NULL"),
        (2, "CreationDate > 'yesterday'", "is a date-time"),
        (2, "CreationDate > 20240516", "is a date-time"),
        (2, "CreationDate > '9999-12-31T23:00:00-05:00'", "is a date-time"),
        (2, "InteractionId LIKE '1%'", "LIKE applies to string attributes only"),
        (2, "PhoneNumber LIKE 5", "must be a quoted string"),
        (2, "PhoneNumber LIKE 'a!' ESCAPE '!'", "ends with its escape character"),
        (2, "PhoneNumber LIKE 'a' ESCAPE '!!'", "single quoted character"),
        (2, "UPPER(InteractionId) = 1", "string attributes only"),
        (2, "PhoneNumber = 'unterminated", "syntax error at character 15"),
        (2, "PhoneNumber = ", "unexpected end of q"),
        (2, "PhoneNumber == 'x'", "syntax error at character 14"),
        (2, "(PhoneNumber = 'x'", "unexpected end of q"),
        (2, "PhoneNumber = 'x')", "syntax error at character 18"),
        (2, "PhoneNumber = 'x' AND", "syntax error"),
        (2, "AND PhoneNumber = 'x'", "syntax error at character 5"),
        (2, "PhoneNumber IN ()", "syntax error"),
        (2, "PhoneNumber 555*", "syntax error at character 13"),
        (2, "InteractionId BETWEEN 1", "syntax error"),
        (2, "1 = InteractionId", "syntax error at character 1"),
        (2, "PhoneNumber = '1'; DROP TABLE calls_phonecall; --", "syntax error"),
        (2, "UPPER(PhoneNumber = 'x'", "syntax error"),
        (1, "PhoneNumber", "unexpected end of q"),
        (1, "PhoneNumber=", "unexpected end of q"),
        (1, "PhoneNumber>555*", "wildcard * works with = and != only"),
        (1, "InteractionId=abc", "is an integer"),
        (1, "InteractionId 1*", "is an integer"),
        (1, "LeftMessageFlag=yes", "is a boolean"),
        (1, "Nope=1", "unknown attribute 'Nope'"),
        (1, "CallRecording=1", "cannot be used in q"),
        (1, "=5", "syntax error at character 1"),
        (1, "PhoneNumber='x' y", "syntax error"),
        (2, "PhoneNumber = 'a\x00b'", "NUL"),
        (1, "PhoneNumber=a\x00b", "NUL"),
        (2, "PhoneNumber = '\ud800'", "not valid Unicode"),
        (2, "CallId = 1 AND " * 300 + "CallId = 1", "longer than"),
        (
            2,
            "(" * (MAX_DEPTH + 1) + "NOT " * (MAX_DEPTH + 1) + "CallId = 1" + ")" * (MAX_DEPTH + 1),
            "nested",
        ),
        (2, "(CallId = 1 OR " * 60 + "CallId = 1" + ")" * 60, "nested"),
    ],
)
def test_malformed_input_raises_a_query_error_naming_the_problem(db, version, text, message):
    with pytest.raises(QueryError) as caught:
        q(text, version)
    assert message in str(caught.value)


def test_the_length_cap_is_exact(db):
    text = "CallId = 1" + " " * (MAX_LENGTH - 10)
    assert isinstance(q(text), Q)
    with pytest.raises(QueryError, match="longer than"):
        q(text + " ")


def test_too_many_values_is_a_query_error(db):
    values = ",".join(str(n) for n in range(600))
    with pytest.raises(QueryError, match="more than 500 values"):
        q(f"CallId IN ({values})")


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)


# ------------------------------------------------------ properties: never anything else

PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _must_be_safe(text: str, version: int) -> None:
    """``text`` parses to a Q that the database evaluates, or raises QueryError."""
    try:
        condition = q(text, version)
    except QueryError:
        return
    PhoneCall.objects.filter(condition).count()


FRAGMENTS = [
    "PhoneNumber",
    "InteractionId",
    "CreationDate",
    "LeftMessageFlag",
    "CallId",
    "TranscriptMessage.RoleCd",
    "TranscriptMessage.",
    "CallRecording",
    "Nope",
    "UPPER(",
    "lower(",
    "(",
    ")",
    "((((",
    "))))",
    " ",
    ";",
    ",",
    "=",
    "!=",
    "<>",
    "<",
    ">=",
    "*",
    "%",
    "_",
    "'",
    "''",
    "'x'",
    "'O''Brien'",
    "\\",
    "AND",
    "or",
    "NOT",
    "LIKE",
    "ESCAPE",
    "IN",
    "BETWEEN",
    "IS",
    "NULL",
    "true",
    "FALSE",
    "0",
    "-1",
    "1e309",
    "9" * 25,
    "9223372036854775808",
    "1.5",
    "'2024-05-16'",
    "'2024-05-16T10:20:25.453+00:00'",
    "'0001-01-01T00:00:00+01:00'",
    "'; DROP TABLE calls_phonecall; --",
    "' OR '1'='1",
    "/*",
    "*/",
    "--",
    "\x00",
    "\n",
    "\t",
    "é",
    "日本",
    "\U0001f4de",
    "\u202e",
    "\ufeff",
]


@PROPERTY_SETTINGS
@given(text=st.text(max_size=200), version=st.sampled_from([1, 2]))
def test_random_text_never_raises_anything_but_query_error(calls, text, version):
    _must_be_safe(text, version)


@PROPERTY_SETTINGS
@given(parts=st.lists(st.sampled_from(FRAGMENTS), max_size=30), version=st.sampled_from([1, 2]))
def test_hostile_fragments_never_raise_anything_but_query_error(calls, parts, version):
    _must_be_safe(" ".join(parts), version)
    _must_be_safe("".join(parts), version)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


VALUES = st.one_of(
    st.text(max_size=20).map(_quoted),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["true", "false", "null", "1.5", "-0", "'2024-05-16'", "'2024-05-16Z'"]),
    st.datetimes(timezones=st.timezones()).map(lambda d: _quoted(d.isoformat())),
)
OPERANDS = st.sampled_from(
    [
        "PhoneNumber",
        "CallNumber",
        "InteractionId",
        "CallId",
        "LeftMessageFlag",
        "CreationDate",
        "LastUpdateDate",
        "TranscriptMessage.RoleCd",
        "TranscriptMessage.MessageId",
        "UPPER(PhoneNumber)",
        "LOWER(TranscriptMessage.RoleCd)",
    ]
)


@st.composite
def predicates(draw):
    operand = draw(OPERANDS)
    form = draw(st.sampled_from(["cmp", "like", "in", "between", "null"]))
    if form == "cmp":
        op = draw(st.sampled_from(["=", "!=", "<>", "<", "<=", ">", ">="]))
        return f"{operand} {op} {draw(VALUES)}"
    if form == "like":
        negated = draw(st.sampled_from(["", "NOT "]))
        pattern = draw(st.text(alphabet="ab%*_\\[]?'!", max_size=12))
        escape = draw(st.sampled_from(["", " ESCAPE '\\'", " ESCAPE '!'"]))
        return f"{operand} {negated}LIKE {_quoted(pattern)}{escape}"
    if form == "in":
        values = draw(st.lists(VALUES, min_size=1, max_size=4))
        return f"{operand} {draw(st.sampled_from(['', 'NOT ']))}IN ({', '.join(values)})"
    if form == "between":
        return f"{operand} BETWEEN {draw(VALUES)} AND {draw(VALUES)}"
    return f"{operand} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"


EXPRESSIONS = st.recursive(
    predicates(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" AND ", " or ", " Or "]), inner).map("".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"NOT {e}"),
    ),
    max_leaves=8,
)


@PROPERTY_SETTINGS
@given(text=EXPRESSIONS)
def test_well_formed_expressions_with_hostile_values_evaluate_or_raise_query_error(calls, text):
    _must_be_safe(text, 2)


@PROPERTY_SETTINGS
@given(
    clauses=st.lists(
        st.tuples(
            OPERANDS.filter(lambda o: "(" not in o),
            st.sampled_from([" ", "=", "!=", "<>", "<", "<=", ">", ">="]),
            st.text(max_size=20),
        ).map("".join),
        max_size=5,
    )
)
def test_query_by_example_clauses_evaluate_or_raise_query_error(calls, clauses):
    _must_be_safe(";".join(clauses), 1)


@settings(max_examples=25, deadline=None)
@given(
    depth=st.integers(min_value=0, max_value=2000),
    opener=st.sampled_from(["(", "NOT ", "NOT (", "(CallId = 1 OR "]),
)
def test_deep_nesting_never_overflows_the_stack(depth, opener):
    text = opener * depth + "CallId = 1" + ")" * (depth * opener.count("("))
    with contextlib.suppress(QueryError):
        q(text)


# ------------------------------------------------------------------- over HTTP


def _numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {KEYS[item["CallNumber"]] for item in response.json()["items"]}


def test_query_by_example_over_http_is_what_clients_without_a_version_get(
    calls, admin_api, django_assert_num_queries
):
    # 1. SELECT the page of calls: the chained conditions are one WHERE clause.
    with django_assert_num_queries(1):
        response = admin_api.get(CALLS, {"q": "InteractionId>=100 and <= 200;LeftMessageFlag=true"})
    assert _numbers(response) == {"alpha"}
    assert _numbers(admin_api.get(CALLS, {"q": "PhoneNumber LIKE '+1415%'"})) == {"alpha", "beta"}
    assert _numbers(admin_api.get(CALLS, {"q": "PhoneNumber IS NULL"})) == {"gamma"}
    between = "InteractionId BETWEEN 150 AND 300;PhoneNumber IS NULL or NOT LIKE '+1415%'"
    assert _numbers(admin_api.get(CALLS, {"q": between})) == {"gamma"}


def test_an_unknown_operator_word_is_a_400_naming_it_never_a_literal_value(calls, admin_api):
    for text in ("PhoneNumber CONTAINS '555'", "InteractionId IN (100, 200)"):
        response = admin_api.get(CALLS, {"q": text})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")  # version 1's error format
        word = text.split()[1]
        assert f"q: {text.split()[0]}: {word} is not an operator" in response.content.decode()


def test_the_condition_limits_hold_for_chained_conditions_over_http(db, admin_api):
    chain = "InteractionId=1" + " or =1" * MAX_CONDITIONS
    response = admin_api.get(CALLS, {"q": chain})
    assert response.status_code == 400
    assert f"more than {MAX_CONDITIONS} conditions" in response.content.decode()


def test_a_semicolon_means_and_in_version_2_over_http(calls, admin_api):
    response = admin_api.get(
        CALLS, {"q": "InteractionId >= 100; LeftMessageFlag = true"}, **version_header(2)
    )
    assert _numbers(response) == {"alpha", "delta"}
