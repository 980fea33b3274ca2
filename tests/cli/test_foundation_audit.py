"""audit list / verify / checkpoint, and tampering with the store file behind the tool's back."""
import json
import os
import pwd

import kltest
from kltest import expect, expect_eq, expect_error, expect_in, expect_not_in, expect_ok


def with_history(k):
    """A test store with a few audit entries: init, fixtures load, operator add x3, remove."""
    k.init()
    k.load_example()
    for name in ("dave", "erin", "frank"):
        k.ok("operator", "add", name, "--role", "reviewer")
    k.ok("operator", "remove", "erin")
    return k.ok("audit", "list", json=True).json


def verify(k, *args, code=0):
    r = k.run("audit", "verify", *args, json=True)
    expect_eq(r.code, code, "audit verify exit status", r)
    expect(isinstance(r.json, dict) and "ok" in r.json and "entries" in r.json, "audit verify JSON {ok, entries}", r)
    if code:
        expect_in("kunlunctl: error [audit-broken]", r.err, "a broken chain is reported on stderr", r)
    return r.json


def test_audit_list_entries(k):
    entries = with_history(k)
    expect_eq([e["seq"] for e in entries], list(range(1, 7)), "consecutive sequence numbers")
    expect_eq([e["command"] for e in entries],
              ["init", "fixtures load", "operator add", "operator add", "operator add", "operator remove"],
              "commands in order")
    admin = pwd.getpwuid(os.geteuid()).pw_name
    for e in entries:
        for field in ("seq", "at", "operator", "command", "customer", "outcome", "details"):
            expect(field in e, f"audit entry has {field}: {e}")
        expect_eq(e["operator"], admin, "operator of the entry")
        expect_eq(e["outcome"], "ok", "outcome")
        expect(isinstance(e["details"], dict), "details is a JSON object")
    expect_eq(entries[2]["details"]["operator"], "dave", "details of operator add")
    text = k.ok("audit", "list").out
    expect_in("SEQ", text, "table header")
    expect_in("operator remove", text, "table rows")
    everything = json.dumps(entries, ensure_ascii=False)
    for secret in kltest.EXAMPLE_PII + ["Kunlun2026!", "739182", "Harbor-Lights7", "274615"]:
        expect_not_in(secret, everything, "the audit log")


def test_audit_list_limit_and_customer(k):
    with_history(k)
    r = k.ok("audit", "list", "--limit", "2", json=True)
    expect_eq([e["seq"] for e in r.json], [1, 2], "--limit 2", r)
    with k.db() as db:  # no command of this issue writes a per-customer entry yet: mark one
        db.execute("UPDATE audit SET customer = 'C000001' WHERE seq = 2")
    r = k.ok("audit", "list", "--customer", "C000001", json=True)
    expect_eq([(e["seq"], e["customer"]) for e in r.json], [(2, "C000001")], "--customer filters", r)
    r = k.ok("audit", "list", "--customer", "C000003", json=True)
    expect_eq(r.json, [], "--customer with no entries", r)


def test_audit_verify_ok(k):
    entries = with_history(k)
    j = verify(k)
    expect_eq(j, {"ok": True, "entries": len(entries)}, "audit verify result")
    r = k.ok("audit", "verify")
    expect_in(str(len(entries)), r.out, "table output names the count", r)


def test_altered_details_detected(k):
    with_history(k)
    with k.db() as db:
        db.execute("""UPDATE audit SET details = '{"operator":"mallory","roles":["admin"]}' WHERE seq = 4""")
    j = verify(k, code=65)
    expect_eq(j["ok"], False, "ok", None)
    expect_eq(j["first_bad_seq"], 4, "first_bad_seq")
    expect_eq(j["entries"], 6, "entries")
    r = k.run("audit", "verify")
    expect_eq(r.code, 65, "exit status in table mode", r)
    expect_in("4", r.out, "table output names the entry", r)


def test_altered_operator_or_time_detected(k):
    with_history(k)
    with k.db() as db:
        db.execute("UPDATE audit SET operator = 'someone-else' WHERE seq = 5")
    expect_eq(verify(k, code=65)["first_bad_seq"], 5, "first_bad_seq after changing the operator")
    k2 = k.child("second")
    with_history(k2)
    with k2.db() as db:
        db.execute("UPDATE audit SET at_effective = at_effective - 86400 WHERE seq = 2")
    expect_eq(verify(k2, code=65)["first_bad_seq"], 2, "first_bad_seq after back-dating")


def test_the_first_alteration_is_reported(k):
    with_history(k)
    with k.db() as db:
        db.execute("UPDATE audit SET outcome = 'refused' WHERE seq = 5")
        db.execute("UPDATE audit SET command = 'nothing' WHERE seq = 3")
    expect_eq(verify(k, code=65)["first_bad_seq"], 3, "first_bad_seq")


def test_deleted_middle_entry_detected(k):
    with_history(k)
    with k.db() as db:
        db.execute("DELETE FROM audit WHERE seq = 3")
    j = verify(k, code=65)
    expect_eq(j["ok"], False, "ok")
    expect_eq(j["first_bad_seq"], 3, "first_bad_seq is the deleted entry")
    expect_eq(j["entries"], 5, "entries left")


def test_deleted_and_renumbered_entries_detected(k):
    with_history(k)
    with k.db() as db:
        db.execute("DELETE FROM audit WHERE seq = 3")
        for seq in (4, 5, 6):
            db.execute("UPDATE audit SET seq = ? WHERE seq = ?", (seq - 1, seq))
    expect_eq(verify(k, code=65)["first_bad_seq"], 3, "first_bad_seq after closing the gap")


def test_forged_entry_detected(k):
    with_history(k)
    with k.db() as db:
        row = db.execute("SELECT at_real, at_effective, operator, mac FROM audit WHERE seq = 6").fetchone()
        db.execute("INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) "
                   "VALUES (7, ?, ?, ?, 'operator add', '', 'ok', '{}', ?)", row)
    expect_eq(verify(k, code=65)["first_bad_seq"], 7, "first_bad_seq of a forged entry")


def test_checkpoint_detects_truncation(k):
    entries = with_history(k)
    cp = k.path("head.json")
    r = k.ok("audit", "checkpoint", "--out", cp, json=True)
    head = json.load(open(cp))
    expect_eq(head["seq"], len(entries), "checkpoint seq", r)
    expect_eq(r.json["seq"], head["seq"], "checkpoint printed and written", r)
    expect(len(head["mac"]) == 64 and "key_id" in head, "checkpoint has mac and key_id", r)
    expect_eq(verify(k, "--checkpoint", cp), {"ok": True, "entries": 6}, "verify against the checkpoint")
    with k.db() as db:
        db.execute("DELETE FROM audit WHERE seq = 6")
    expect_eq(verify(k), {"ok": True, "entries": 5}, "without the checkpoint, truncation is invisible")
    j = verify(k, "--checkpoint", cp, code=65)
    expect_eq(j["ok"], False, "ok with the checkpoint")
    expect_eq(j["first_bad_seq"], 6, "first_bad_seq is the removed entry")


def test_checkpoint_detects_replaced_head(k):
    with_history(k)
    cp = k.path("head.json")
    k.ok("audit", "checkpoint", "--out", cp)
    with k.db() as db:
        db.execute("UPDATE audit SET mac = zeroblob(32) WHERE seq = 6")
    expect_eq(verify(k, "--checkpoint", cp, code=65)["first_bad_seq"], 6, "first_bad_seq")


def test_later_entries_extend_a_checkpoint(k):
    with_history(k)
    cp = k.path("head.json")
    k.ok("audit", "checkpoint", "--out", cp)
    k.ok("operator", "add", "gina", "--role", "auditor")
    expect_eq(verify(k, "--checkpoint", cp), {"ok": True, "entries": 7}, "a newer chain still matches")


def test_checkpoint_file_errors(k):
    with_history(k)
    missing = k.path("none.json")
    expect_error(k.run("audit", "verify", "--checkpoint", missing), 66, "no-input", missing)
    bad = k.write("bad.json", "not json")
    expect_error(k.run("audit", "verify", "--checkpoint", bad, json=True), 65, "invalid-checkpoint")
    expect_error(k.run("audit", "checkpoint", "--out", k.path("no/such/dir/cp.json")), 74, "io")


def test_audit_reads_change_nothing(k):
    entries = with_history(k)
    k.ok("audit", "verify")
    k.ok("audit", "list")
    k.ok("audit", "checkpoint")
    expect_eq(len(k.ok("audit", "list", json=True).json), len(entries), "reading the log adds no entries")


if __name__ == "__main__":
    kltest.main(globals())
