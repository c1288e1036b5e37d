#!/usr/bin/env python3
"""Compare a provkit JUnit report with a peer's expected failures.

usage: compare.py JUNIT_XML EXPECTED_FAILURES

EXPECTED_FAILURES lists, one block each (blank-line separated, # comments):

    scenario: <scenario name, as the report names it>
    feature:  <feature file under features/, e.g. scim/filter.feature>
    section:  <the standard and section, e.g. RFC 7644 §3.4.2.2>
    quote:    "<the sentence that makes the behaviour a defect of the peer>"

Exit 0 when the scenarios that failed are exactly the ones listed; 1 when a
failure is not listed, a listed scenario did not fail (it passed, was
skipped or no longer exists), or an entry is malformed.
"""
import re
import sys
import xml.etree.ElementTree as ET

FIELDS = ("scenario", "feature", "section", "quote")


def load_expected(path):
    entries, cur, problems = [], {}, []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines() + [""]
    for n, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                entries.append(cur)
                cur = {}
            continue
        m = re.match(r"^(\w+):\s*(.*)$", line)
        if not m or m.group(1) not in FIELDS:
            problems.append(f"{path}:{n}: not a 'field: value' line with a known field: {line!r}")
            continue
        if m.group(1) in cur:
            problems.append(f"{path}:{n}: {m.group(1)} given twice in one entry (missing blank line?)")
        cur[m.group(1)] = m.group(2).strip()
        cur.setdefault("line", n)
    for e in entries:
        where = f"{path}:{e['line']}"
        for k in FIELDS:
            if not e.get(k):
                problems.append(f"{where}: the entry has no {k}")
        q = e.get("quote", "")
        if q and not (len(q) > 2 and q[0] == '"' and q[-1] == '"'):
            problems.append(f"{where}: the quote must be the standard's sentence in double quotes")
        s = e.get("section", "")
        if s and not re.search(r"(RFC \d+|SAML)", s):
            problems.append(f"{where}: the section must name the standard (RFC NNNN §x.y)")
        if re.search(r"strict", " ".join(e.get(k, "") for k in FIELDS), re.I):
            problems.append(f"{where}: an entry may not say the suite is stricter: fix the scenario instead")
    keys = [(e.get("feature", ""), e.get("scenario", "")) for e in entries]
    for k in set(keys):
        if keys.count(k) > 1:
            problems.append(f"{path}: {k[0]}: {k[1]!r} is listed twice")
    return entries, problems


def load_report(path):
    status = {}
    for tc in ET.parse(path).getroot().iter("testcase"):
        feature = tc.get("file", "").removeprefix("features/")
        key = (feature, tc.get("name", ""))
        if tc.find("failure") is not None or tc.find("error") is not None:
            st = "failed"
        elif tc.find("skipped") is not None:
            st = "skipped"
        else:
            st = "passed"
        # an outline may expand to examples of one name: any failure counts
        if status.get(key) != "failed":
            status[key] = st
    return status


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    report, expected = sys.argv[1], sys.argv[2]
    entries, problems = load_expected(expected)
    status = load_report(report)
    listed = {(e.get("feature", ""), e.get("scenario", "")): e for e in entries}
    failed = {k for k, st in status.items() if st == "failed"}
    for k in sorted(failed - listed.keys()):
        problems.append(f"unexpected failure: {k[0]}: {k[1]!r} (a real defect of the peer? list it with its citation; "
                        f"a behaviour the standard allows? fix the scenario)")
    for k in sorted(listed.keys() - failed):
        st = status.get(k, "not in the report")
        problems.append(f"listed but {st}: {k[0]}: {k[1]!r} (remove it from {expected})")
    print(f"{len(status)} scenarios, {len(failed)} failed, {len(listed)} expected to fail")
    for k in sorted(failed & listed.keys()):
        e = listed[k]
        print(f"  expected: {k[1]} ({e['section']})")
    if problems:
        for p in problems:
            print("  ERROR " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
