"""fixtures generate --pending-cases: many pending cases for batch tests and benchmarks."""
import os

import kltest
from kltest import expect, expect_eq, expect_error

NOW = "2026-11-26T18:00:00+08:00"  # a Thursday: the last three business days are Mon-Wed


def setup(k, customers, cases, extra_config=""):
    k.init()
    k.write_config(extra_config)
    k.ok("operator", "add", "rev", "--role", "reviewer")
    return k.run("fixtures", "generate", "--customers", str(customers), "--pending-cases", str(cases), now=NOW)


def test_cases_spread_over_kinds_customers_and_days(k):
    r = setup(k, 20, 45)
    expect_eq(r.code, 0, "generate exits 0", r)
    cases = k.ok("review", "list", json=True, op="rev", now=NOW).json
    expect_eq(len(cases), 45, "M pending cases")
    expect(all(c["state"] == "pending" for c in cases), "all pending")
    kinds = {kind: sum(1 for c in cases if c["kind"] == kind) for kind in ("reset-login", "reset-txn", "change-phone")}
    expect_eq(kinds, {"reset-login": 15, "reset-txn": 15, "change-phone": 15}, "spread over the three kinds")
    per = {}
    for c in cases:
        per.setdefault((c["customer"], c["kind"]), 0)
        per[(c["customer"], c["kind"])] += 1
    expect(max(per.values()) == 1, "at most one pending case per customer and kind")
    dues = sorted({c["due_at"] for c in cases})
    expect_eq(dues, ["2026-11-24T23:59:59+08:00", "2026-11-25T23:59:59+08:00", "2026-11-26T23:59:59+08:00"],
              "submitted over the last three business days, each due the next business day")
    # Materials are written once and shared by hash.
    shown = k.ok("review", "show", cases[0]["id"], json=True, op="rev", now=NOW).json
    files = os.listdir(k.store + ".materials")
    expect_eq(len([f for f in files if not f.startswith(".")]), 3, "three material files for all cases")
    expect_eq(sorted(m["role"] for m in shown["materials"]), ["handheld", "id-back", "id-front"], "materials")
    expect(shown["staged_secret"] or shown["kind"] == "change-phone", "a sealed staged secret", shown)


def test_more_cases_than_three_per_customer_is_a_usage_error(k):
    r = setup(k, 10, 31)
    expect_error(r, 64, "usage", "at most 3")
    expect_eq(k.ok("customer", "list", json=True).json, [], "nothing generated")


def test_the_batch_decides_every_generated_case(k):
    r = setup(k, 12, 36, "[batch]\nauto_approve = true\nchunk_size = 5\n")
    expect_eq(r.code, 0, "generate exits 0", r)
    summary = k.ok("review", "batch", json=True, op="rev", now=NOW).json
    expect_eq((summary["checked"], summary["approved"], summary["rejected"]), (36, 36, 0),
              "every generated case passes the checks and is approved")
    left = k.ok("review", "list", "--state", "pending", json=True, op="rev", now=NOW).json
    expect_eq(left, [], "nothing left pending")
    changed = k.ok("customer", "show", "C0000001", json=True).json
    expect(changed["phone"].endswith("0000"), "the approved phone change installed the new number", changed)
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "audit chain intact")


if __name__ == "__main__":
    kltest.main(globals())
