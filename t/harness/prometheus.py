"""A strict reader of the Prometheus text exposition format (version
0.0.4), the format of `SetHandler threads-oauth-metrics`.

parse(text) returns the metric families in the order they came, and
raises ExpositionError (an AssertionError, naming the line) for anything
the format does not allow or a scraper would misread:

  - every line ends with "\\n", no "\\r", no NUL; empty lines are ignored
    (as the format says)
  - "# HELP <name> <text>" and "# TYPE <name> <type>" at most once per
    metric, before its first sample; other "# " lines are comments
  - samples: <name>[{<label>="<value>",...}] <value> [<timestamp>], with
    valid metric and label names, escaped label values (\\\\, \\", \\n
    only), a value Go's ParseFloat reads, no label twice, no sample twice
  - all samples of a family in one group; a counter's or gauge's samples
    carry its own name, a histogram's <name>_bucket (with an le label),
    <name>_sum and <name>_count; "le" nowhere else
  - a histogram per label set: buckets in increasing le order, cumulative
    (never decreasing), the last le="+Inf" and equal to _count, one _sum
    and one _count; counters never negative
"""

import math
import re

__all__ = ["ExpositionError", "Family", "Sample", "parse"]

METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")

_NAME_RE = re.compile(METRIC_NAME + r"\Z")
_HELP_RE = re.compile(r"# HELP (%s)(?: (.*))?\Z" % METRIC_NAME)
_TYPE_RE = re.compile(r"# TYPE (%s) (\S+)\Z" % METRIC_NAME)
_SAMPLE_RE = re.compile(r"(%s)(?:\{(.*)\})? (\S+)(?: (-?[0-9]+))?\Z"
                        % METRIC_NAME)
_LABEL_RE = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"' % LABEL_NAME)
# What Go's strconv.ParseFloat takes (Prometheus reads values with it),
# without hexadecimal floats, which no exporter writes.
_FLOAT_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
                       r"(?:[eE][+-]?[0-9]+)?|Inf|NaN)\Z")
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


class ExpositionError(AssertionError):
    """The text is not valid exposition format."""


class Sample:
    """One sample line: name, labels (a dict), value (a float), text (the
    value as written), line (its number, from 1)."""

    def __init__(self, name, labels, value, text, line):
        self.name = name
        self.labels = labels
        self.value = value
        self.text = text
        self.line = line

    def __repr__(self):
        return "Sample(%r, %r, %s)" % (self.name, self.labels, self.text)


class Family:
    """A metric family: name, type ("untyped" without a TYPE line), help
    (None without a HELP line) and its samples in order."""

    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.samples = []

    def __repr__(self):
        return "Family(%r, %r, %d samples)" % (self.name, self.type,
                                               len(self.samples))


def _fail(line, why, text):
    raise ExpositionError("line %d: %s: %r" % (line, why, text))


def _unescape(value):
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1),
                                                      m.group(1)), value)


def _labels(text, line, raw):
    """The labels of a sample's {...} text: a dict."""
    labels = {}
    pos = 0
    while pos < len(text):
        m = _LABEL_RE.match(text, pos)
        if not m:
            _fail(line, "a malformed label", raw)
        name, value = m.group(1), _unescape(m.group(2))
        if name in labels:
            _fail(line, "label %s twice" % name, raw)
        if name.startswith("__"):
            _fail(line, "label names starting with __ are reserved", raw)
        labels[name] = value
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                _fail(line, "labels not separated by commas", raw)
            pos += 1
    return labels


def _value(text, line, raw):
    if not _FLOAT_RE.match(text):
        _fail(line, "not a number", raw)
    return float(text.replace("Inf", "inf").replace("NaN", "nan"))


def _family_name(name, families):
    """The family a sample named name belongs to: a histogram's (or
    summary's) for its suffixed names, else its own."""
    for suffix in _HISTOGRAM_SUFFIXES:
        base = name[:-len(suffix)]
        if name.endswith(suffix) and base in families and \
                families[base].type in ("histogram", "summary"):
            return base
    return name


def _check_sample_name(family, sample, raw):
    kind = family.type
    if kind == "histogram":
        allowed = [family.name + s for s in _HISTOGRAM_SUFFIXES]
    elif kind == "summary":
        allowed = [family.name, family.name + "_sum", family.name + "_count"]
    else:
        allowed = [family.name]
    if sample.name not in allowed:
        _fail(sample.line, "a %s's sample must be named %s" % (
            kind, " or ".join(allowed)), raw)
    is_bucket = kind == "histogram" and sample.name.endswith("_bucket")
    if is_bucket != ("le" in sample.labels):
        _fail(sample.line, "le belongs on a histogram's buckets, only "
              "there", raw)
    if kind == "counter" and not sample.value >= 0:
        _fail(sample.line, "a counter below 0", raw)


def _check_histogram(family):
    """Buckets in order, cumulative, ending in +Inf equal to _count, per
    label set."""
    series = {}
    for s in family.samples:
        rest = tuple(sorted((k, v) for k, v in s.labels.items()
                            if k != "le"))
        series.setdefault(rest, {"_bucket": [], "_sum": [], "_count": []})
        series[rest][s.name[len(family.name):]].append(s)
    for rest, parts in series.items():
        where = "histogram %s%s" % (family.name, dict(rest) or "")
        buckets = parts["_bucket"]
        if len(parts["_sum"]) != 1 or len(parts["_count"]) != 1:
            raise ExpositionError("%s: needs one _sum and one _count"
                                  % where)
        if not buckets or buckets[-1].labels["le"] != "+Inf":
            raise ExpositionError("%s: the last bucket is not le=\"+Inf\""
                                  % where)
        bounds = [_value(b.labels["le"], b.line, b.labels["le"])
                  for b in buckets]
        if any(not b1 < b2 for b1, b2 in zip(bounds, bounds[1:])):
            raise ExpositionError("%s: le not increasing: %r" % (
                where, [b.labels["le"] for b in buckets]))
        counts = [b.value for b in buckets]
        if any(not 0 <= c1 <= c2 for c1, c2 in zip([0] + counts, counts)):
            raise ExpositionError("%s: buckets not cumulative: %r" % (
                where, counts))
        if counts[-1] != parts["_count"][0].value:
            raise ExpositionError("%s: le=\"+Inf\" is %s, _count %s" % (
                where, buckets[-1].text, parts["_count"][0].text))
        if math.isnan(parts["_sum"][0].value):
            raise ExpositionError("%s: _sum is NaN" % where)


def parse(text):
    """The families of text (a dict name -> Family, in order)."""
    if "\r" in text or "\0" in text:
        raise ExpositionError("CR or NUL in the text")
    if text and not text.endswith("\n"):
        raise ExpositionError("the last line does not end with a newline")
    families = {}
    current = None          # the family whose samples come now
    closed = set()          # families whose group of samples has ended
    seen = set()            # (name, labels) of every sample
    for n, raw in enumerate(text.split("\n")[:-1], 1):
        if raw == "":
            continue
        if raw.startswith("#"):
            m = _HELP_RE.match(raw) or _TYPE_RE.match(raw)
            if not m:
                if re.match(r"#\s*(HELP|TYPE)\b", raw):
                    _fail(n, "a malformed HELP or TYPE line", raw)
                continue
            name = m.group(1)
            fam = families.get(name)
            if fam is None:
                fam = families[name] = Family(name)
            if fam.samples or name in closed:
                _fail(n, "HELP and TYPE must come before the samples", raw)
            if raw.startswith("# HELP"):
                if fam.help is not None:
                    _fail(n, "a second HELP", raw)
                fam.help = m.group(2) or ""
            else:
                if fam.type is not None:
                    _fail(n, "a second TYPE", raw)
                if m.group(2) not in TYPES:
                    _fail(n, "an unknown type", raw)
                fam.type = m.group(2)
            continue
        m = _SAMPLE_RE.match(raw)
        if not m:
            _fail(n, "not a sample line", raw)
        sample = Sample(m.group(1), _labels(m.group(2) or "", n, raw),
                        _value(m.group(3), n, raw), m.group(3), n)
        key = (sample.name, tuple(sorted(sample.labels.items())))
        if key in seen:
            _fail(n, "the same sample twice", raw)
        seen.add(key)
        name = _family_name(sample.name, families)
        fam = families.get(name)
        if fam is None:
            fam = families[name] = Family(name)
        if fam.type is None:
            fam.type = "untyped"
        if fam is not current:
            if name in closed:
                _fail(n, "the samples of %s are not in one group" % name,
                      raw)
            if current is not None:
                closed.add(current.name)
            current = fam
        _check_sample_name(fam, sample, raw)
        fam.samples.append(sample)
    for fam in families.values():
        if not _NAME_RE.match(fam.name):
            raise ExpositionError("a malformed name %r" % fam.name)
        if fam.type == "histogram":
            _check_histogram(fam)
    return families
