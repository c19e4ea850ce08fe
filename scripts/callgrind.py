"""Reads callgrind's output files and says where one program's instructions
go, with a shared object (the module) set apart: what it costs with all it
calls, its own functions, and what it calls in other objects.

Reads files written with --compress-pos=no (compressed names are fine).
Costs are callgrind's first event (Ir: instructions executed, user space
only). A function is (object, name); the cost of a call line is the
inclusive cost of that call, as callgrind_annotate adds it up.
"""

import collections
import os
import re

_NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


class Profile:
    """One callgrind dump: totals, self costs, and call edges."""

    def __init__(self, path):
        self.path = path
        self.total = 0
        self.self_cost = collections.Counter()  # fn -> Ir
        self.edges = collections.Counter()      # (caller, callee) -> Ir
        self.calls = collections.Counter()      # (caller, callee) -> count
        self.part = None
        self._read(path)

    def _read(self, path):
        names = {}

        def name(kind, text):
            m = _NAME.match(text)
            if not m:
                return text
            key = (kind, m.group(1))
            if m.group(2) is not None:
                names[key] = m.group(2)
            return names.get(key, text)

        ob = fn = None
        cob = cfn = None
        pending_calls = None
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line[0] == "#":
                    continue
                c = line[0]
                if c.isdigit() or c in "+-*":
                    parts = line.split()
                    cost = int(parts[1]) if len(parts) > 1 else 0
                    if pending_calls is not None:
                        edge = ((ob, fn), (cob or ob, cfn))
                        self.edges[edge] += cost
                        self.calls[edge] += pending_calls
                        pending_calls = None
                        cob = cfn = None
                    else:
                        self.self_cost[(ob, fn)] += cost
                    continue
                key, _, value = line.partition("=")
                if key == "ob":
                    ob = name("ob", value)
                elif key == "fn":
                    fn = name("fn", value)
                elif key == "cob":
                    cob = name("ob", value)
                elif key == "cfn":
                    cfn = name("fn", value)
                elif key == "calls":
                    pending_calls = int(value.split()[0])
                elif key in ("fl", "fi", "fe", "cfi", "cfl"):
                    name("fl", value)
                elif line.startswith("summary:") or line.startswith(
                        "totals:"):
                    self.total = int(line.split()[1])
                elif line.startswith("part:"):
                    self.part = int(line.split()[1])

    def inclusive(self, fn):
        """fn's own cost and that of every call it made (not to itself)."""
        return self.self_cost[fn] + sum(
            cost for (a, b), cost in self.edges.items()
            if a == fn and b != fn)

    def call_count(self, callee_name):
        """How often any function named callee_name was called."""
        return sum(n for (_, (_, b)), n in self.calls.items()
                   if b == callee_name)

    def by_object(self):
        """Self cost per shared object."""
        out = collections.Counter()
        for (ob, _), cost in self.self_cost.items():
            out[ob] += cost
        return out


def short(fn):
    """"name [object]" with the object's file name."""
    ob, name = fn
    return "%s [%s]" % (name, os.path.basename(ob or "?"))


class ObjectView:
    """What one object (a module's .so) costs in a Profile."""

    def __init__(self, profile, obj):
        self.p = profile
        self.obj = obj
        self.functions = {fn for fn in profile.self_cost if fn[0] == obj}
        self.functions |= {b for (_, b) in profile.edges if b[0] == obj}

    def inside(self, fn):
        return fn[0] == self.obj

    def _crossing(self, inward):
        """Calls that cross the object's edge, into it (inward) or out of
        it: callee -> Ir (inclusive)."""
        out = collections.Counter()
        for (a, b), cost in self.p.edges.items():
            if self.inside(b) == inward and self.inside(a) != inward:
                out[b] += cost
        return out

    def entries(self):
        """Calls into the object from outside: callee -> Ir (inclusive)."""
        return self._crossing(True)

    def total(self, passed_on=("ap_pass_brigade",)):
        """The object's cost with everything it calls, but for the calls
        to functions named passed_on (or those names with callgrind's
        recursion suffix, 'N): an output filter's ap_pass_brigade runs
        the rest of the chain, which is httpd's work, not the filter's."""
        def handed_on(fn):
            return fn[1].split("'")[0] in passed_on
        return (sum(self.entries().values())
                - sum(c for fn, c in self.exits().items() if handed_on(fn)))

    def own(self):
        """Instructions executed in the object's own code."""
        return sum(self.p.self_cost[fn] for fn in self.functions)

    def exits(self):
        """Calls out of the object: callee -> Ir (inclusive)."""
        return self._crossing(False)

    def exits_by_object(self):
        out = collections.Counter()
        for fn, cost in self.exits().items():
            out[fn[0]] += cost
        return out

    def inclusive_top(self, n):
        costs = collections.Counter(
            {fn: self.p.inclusive(fn) for fn in self.functions})
        return costs.most_common(n)

    def self_top(self, n):
        costs = collections.Counter(
            {fn: self.p.self_cost[fn] for fn in self.functions})
        return [(fn, c) for fn, c in costs.most_common(n) if c]

    def callees(self, fn, n=8):
        """What fn calls, most costly first: (callee, Ir, calls)."""
        out = [(b, cost, self.p.calls[(a, b)])
               for (a, b), cost in self.p.edges.items()
               if a == fn and b != fn]
        return sorted(out, key=lambda t: -t[1])[:n]
