"""The strict reader of the Prometheus text format (harness/prometheus.py)
takes a valid exposition and refuses each thing the format does not
allow: a reader that takes anything would let every metrics test pass."""

import pytest

from harness.prometheus import ExpositionError, parse

VALID = """\
# HELP demo_requests_total Requests, by code
# TYPE demo_requests_total counter
demo_requests_total{code="200"} 3
demo_requests_total{code="500",path="a\\"b\\\\c\\nd"} 0
# A comment.

# HELP demo_temperature Now
# TYPE demo_temperature gauge
demo_temperature -1.5e3 1700000000000
# HELP demo_seconds Latency
# TYPE demo_seconds histogram
demo_seconds_bucket{le="0.050"} 1
demo_seconds_bucket{le="1.000"} 1
demo_seconds_bucket{le="+Inf"} 2
demo_seconds_sum 3.25
demo_seconds_count 2
"""


def test_a_valid_exposition():
    families = parse(VALID)
    assert list(families) == ["demo_requests_total", "demo_temperature",
                              "demo_seconds"]
    req = families["demo_requests_total"]
    assert req.type == "counter" and req.help == "Requests, by code"
    assert [s.value for s in req.samples] == [3, 0]
    assert req.samples[1].labels == {"code": "500", "path": 'a"b\\c\nd'}
    assert families["demo_temperature"].samples[0].value == -1500
    hist = families["demo_seconds"]
    assert hist.type == "histogram"
    assert [s.name for s in hist.samples] == [
        "demo_seconds_bucket"] * 3 + ["demo_seconds_sum",
                                      "demo_seconds_count"]
    assert hist.samples[3].text == "3.25"


def test_a_sample_without_type_is_untyped():
    assert parse("x 1\n")["x"].type == "untyped"
    assert parse("") == {}


def edit(old, new):
    assert old in VALID, old
    return VALID.replace(old, new, 1)


@pytest.mark.parametrize("text", [
    VALID.rstrip("\n"),
    VALID.replace("\n", "\r\n"),
    edit("# HELP demo_temperature Now\n# TYPE demo_temperature gauge\n"
         "demo_temperature -1.5e3 1700000000000\n",
         "demo_temperature -1.5e3\n# TYPE demo_temperature gauge\n"),
    edit("# TYPE demo_temperature gauge\n",
         "# TYPE demo_temperature gauge\n# TYPE demo_temperature gauge\n"),
    edit("# HELP demo_temperature Now\n",
         "# HELP demo_temperature Now\n# HELP demo_temperature Again\n"),
    edit("# TYPE demo_temperature gauge", "# TYPE demo_temperature gauges"),
    edit("# TYPE demo_temperature gauge", "# TYPE demo_temperature"),
    edit('demo_requests_total{code="500"', 'demo_requests_total{code=500'),
    edit('demo_requests_total{code="500"',
         'demo_requests_total{code="500",code="501"'),
    edit('demo_requests_total{code="500"', 'demo_requests_total{c-de="500"'),
    edit('demo_requests_total{code="500"', 'demo_requests_total{code="\\x"'),
    edit('path="a', 'path ="a'),
    edit("demo_requests_total{code=\"200\"} 3",
         "demo_requests_total{code=\"200\"} three"),
    edit("demo_requests_total{code=\"200\"} 3",
         "demo_requests_total{code=\"200\"} 3 4 5"),
    edit("demo_requests_total{code=\"200\"} 3",
         "demo_requests_total{code=\"200\"} -3"),
    edit("demo_requests_total{code=\"200\"} 3",
         "demo_requests_total{code=\"200\"} 3\n"
         "demo_requests_total{code=\"200\"} 4"),
    edit("demo_requests_total{code=\"200\"} 3",
         "9demo_requests_total{code=\"200\"} 3"),
    VALID + "demo_requests_total{code=\"404\"} 1\n",
    edit('demo_seconds_bucket{le="1.000"} 1', 'demo_seconds_bucket 1'),
    edit('demo_seconds_bucket{le="1.000"} 1',
         'demo_seconds_bucket{le="0.010"} 1'),
    edit('demo_seconds_bucket{le="1.000"} 1',
         'demo_seconds_bucket{le="1.000"} 0'),
    edit('demo_seconds_bucket{le="+Inf"} 2',
         'demo_seconds_bucket{le="9"} 2'),
    edit("demo_seconds_count 2", "demo_seconds_count 3"),
    edit("demo_seconds_sum 3.25\n", ""),
    edit("demo_seconds_sum 3.25", "demo_seconds_sum NaN"),
    edit("demo_temperature -1.5e3", 'demo_temperature{le="1"} -1.5e3'),
    edit("demo_seconds_sum", "demo_seconds_total"),
    edit('demo_requests_total{code="200"}', 'demo_requests_total{__x="1"}'),
    "\0" + VALID,
    edit("# HELP demo_temperature Now", "#  HELP demo_temperature Now"),
], ids=[
    "no_final_newline", "crlf", "type_after_sample", "two_types",
    "two_helps", "unknown_type", "type_without_type", "unquoted_label",
    "label_twice", "bad_label_name", "bad_escape", "space_in_labels",
    "value_not_a_number", "extra_fields", "negative_counter",
    "same_sample_twice", "name_starts_with_digit",
    "family_in_two_groups", "bucket_without_le", "le_not_increasing",
    "buckets_not_cumulative", "no_inf_bucket", "inf_not_count", "no_sum",
    "sum_nan", "le_outside_histogram", "histogram_foreign_suffix",
    "reserved_label", "nul", "malformed_help",
])
def test_refused(text):
    with pytest.raises(ExpositionError):
        parse(text)
