"""Deciding review cases by hand (domain.md §6, cli.md `review approve|reject`): the staged
change applied with the decision, the result SMS (contact phone for a login reset, reserved
phone otherwise), four eyes, a single decision per case, reason codes and roles."""
import subprocess

import casekit
import kltest
from casekit import CONTACT, LOGIN_PW, PIN, T0, ZHANG, at
from kltest import expect, expect_eq, expect_error, expect_in

HK = {"id": "C000003", "name": "陳大文", "id_number": "A123456(3)", "phone": "+85291234567",
      "account": "6222020200000000030"}
LATER = at(T0, 3600)


def verify_login(k, password, customer="C000001", now=LATER):
    return k.run("login", "verify", "--customer", customer, "--password-stdin", op="alice", now=now,
                 stdin=password + "\n")


def verify_txn(k, c, pin, now=LATER):
    return k.run("txn", "verify", "--customer", c["id"], "--account", c["account"], "--password-stdin",
                 op="alice", now=now, stdin=pin + "\n")


def txn_locked(k, c):
    accounts = k.ok("customer", "show", c["id"], json=True).json["accounts"]
    return [a["txn_locked"] for a in accounts if a["number"][-4:] == c["account"][-4:]][0]


def dispatch(k, now=LATER):
    return k.ok("notify", "dispatch", op="alice", now=now, json=True).json


def result_sms(k, case_id):
    """The one result SMS (approved/rejected) of a case, after a dispatch."""
    dispatch(k)
    lines = [m for m in casekit.sms_for(k, case_id) if m["template"] in ("case_approved", "case_rejected")]
    expect_eq(len(lines), 1, f"one result SMS for {case_id}: {lines}")
    return lines[0]


def sealed_copy(k, case_id):
    with k.db() as db:
        return db.execute("SELECT staged_secret_enc FROM cases WHERE id = ?", (case_id,)).fetchone()[0]


def test_approve_reset_login_installs_the_password_and_tells_the_contact_phone(k):
    casekit.setup(k)
    for _ in range(5):
        verify_login(k, "Wrong-Guess-1", now=T0)
    expect_error(verify_login(k, "Kunlun2026!", now=T0), 77, "locked")
    case = casekit.reset_login(k, T0, ZHANG)
    expect(sealed_copy(k, case["id"]) is not None, "a pending case keeps the sealed copy")
    expect_error(verify_login(k, LOGIN_PW), 77, "locked")  # nothing changes before the decision
    r = k.run("review", "approve", case["id"], "--note", "materials checked", op="bob", now=LATER, json=True)
    kltest.expect_ok(r)
    expect_eq((r.json["id"], r.json["state"], r.json["reason"]), (case["id"], "approved", None), "approve output", r)
    full = casekit.show(k, case["id"])
    expect_eq(full["decision"], {"by": "bob", "at": LATER, "auto": False, "note": "materials checked"}, "decision")
    expect(sealed_copy(k, case["id"]) is None, "the sealed copy is wiped with the decision")
    kltest.expect_ok(verify_login(k, LOGIN_PW))
    expect_error(verify_login(k, "Kunlun2026!"), 77, "wrong-password")
    shown = k.ok("customer", "show", "C000001", json=True).json
    expect_eq(shown["login"]["locked"], False, "the lock is cleared")
    msg = result_sms(k, case["id"])
    expect_eq((msg["to"], msg["template"]), (CONTACT, "case_approved"), "approval SMS to the contact phone")
    expect_in("登录密码重置", msg["text"], "SMS names the kind")
    expect_in("审核通过", msg["text"], "SMS says approved")
    audit = [e for e in k.ok("audit", "list", json=True).json if e["command"] == "review approve"]
    expect_eq([(e["operator"], e["outcome"], e["details"]["case"]) for e in audit], [("bob", "ok", case["id"])],
              "one audit entry for the approval")


def test_approve_reset_txn_face_pass_unlocks_the_account(k):
    casekit.setup(k)
    for _ in range(6):
        verify_txn(k, ZHANG, "111111", now=T0)
    expect(txn_locked(k, ZHANG), "6 wrong passwords lock transactions")
    expect_error(verify_txn(k, ZHANG, "739182"), 77, "locked")
    case = casekit.reset_txn(k, T0, ZHANG)
    expect_eq(casekit.show(k, case["id"])["face"]["result"], "pass", "face passed")
    r = k.run("review", "approve", case["id"], op="dave", now=LATER, json=True)
    kltest.expect_ok(r)
    expect(not txn_locked(k, ZHANG), "approval clears the lock")
    kltest.expect_ok(verify_txn(k, ZHANG, PIN))
    expect_error(verify_txn(k, ZHANG, "739182"), 77, "wrong-password")
    msg = result_sms(k, case["id"])
    expect_eq((msg["to"], msg["template"]), (ZHANG["phone"], "case_approved"), "approval SMS to the reserved phone")
    expect_in("交易密码重置", msg["text"], "SMS names the kind")


def test_approve_reset_txn_after_face_failed_over_limit(k):
    casekit.setup(k)
    for _ in range(6):
        verify_txn(k, HK, "111111", now=T0)
    expect(txn_locked(k, HK), "locked")
    case = casekit.reset_txn(k, T0, HK, face="failed-over-limit")
    expect_eq(casekit.show(k, case["id"])["face"], {"result": "failed-over-limit", "ref": None}, "face")
    kltest.expect_ok(k.run("review", "approve", case["id"], op="bob", now=LATER, json=True))
    expect(not txn_locked(k, HK), "approval clears the lock")
    kltest.expect_ok(verify_txn(k, HK, PIN))
    msg = result_sms(k, case["id"])
    expect_eq((msg["to"], msg["template"]), (HK["phone"], "case_approved"), "approval SMS to the reserved phone")


def test_reject_each_kind_keeps_the_old_secret_and_invites_a_new_application(k):
    casekit.setup(k, customers=1)
    other = casekit.customer(1)
    cases = [(casekit.reset_login(k, T0, ZHANG), "materials-unclear", CONTACT, "提交的证件照片不清晰"),
             (casekit.reset_txn(k, T0, ZHANG), "face-mismatch", ZHANG["phone"], "人脸识别结果与证件照片不一致"),
             (casekit.reset_txn(k, T0, other, face="failed-over-limit"), "identity-mismatch", other["phone"],
              "身份信息核验不一致")]
    for case, reason, _, _ in cases:
        r = k.run("review", "reject", case["id"], "--reason", reason, "--note", "see file", op="bob", now=LATER,
                  json=True)
        kltest.expect_ok(r)
        expect_eq((r.json["state"], r.json["reason"]), ("rejected", reason), "reject output", r)
        full = casekit.show(k, case["id"])
        expect_eq(full["decision"], {"by": "bob", "at": LATER, "auto": False, "note": "see file"}, "decision")
        expect(sealed_copy(k, case["id"]) is None, "the sealed copy is wiped by a rejection too")
    for case, reason, to, text in cases:
        msg = result_sms(k, case["id"])
        expect_eq((msg["to"], msg["template"], msg["params"]["reason"]), (to, "case_rejected", reason), "rejection SMS")
        expect_in(text, msg["text"], "the SMS gives the reason")
        expect_in("您可重新提交申请", msg["text"], "the SMS says the customer may apply again")
    kltest.expect_ok(verify_login(k, "Kunlun2026!"))
    kltest.expect_ok(verify_txn(k, ZHANG, "739182"))
    kltest.expect_ok(verify_txn(k, other, "739182"))
    expect_error(verify_txn(k, other, PIN), 77, "wrong-password")
    # Applying again makes a new pending case; the rejected one stays rejected.
    again = casekit.reset_txn(k, at(T0, 7200), ZHANG, tag="again")
    expect_eq(again["state"], "pending", "a new application")
    expect_eq(casekit.states(k)[cases[1][0]["id"]], ("rejected", "face-mismatch"), "the old case is untouched")


def test_four_eyes_and_a_single_decision(k):
    casekit.setup(k)
    case = casekit.reset_txn(k, T0, ZHANG)
    before = k.dump()
    for args in (["approve", case["id"]], ["reject", case["id"], "--reason", "other"]):
        r = k.run("review", *args, op="alice", now=LATER, json=True)
        expect_error(r, 77, "four-eyes", "alice")
    expect_eq(casekit.show(k, case["id"])["state"], "pending", "the submitter's attempts decide nothing")
    expect_eq(k.dump(), before, "nothing changed")
    kltest.expect_ok(k.run("review", "approve", case["id"], op="bob", now=LATER))
    for op, args in (("bob", ["approve", case["id"]]), ("dave", ["approve", case["id"]]),
                     ("dave", ["reject", case["id"], "--reason", "duplicate"])):
        expect_error(k.run("review", *args, op=op, now=LATER, json=True), 77, "already-decided", case["id"])
    expect_eq(casekit.states(k)[case["id"]], ("approved", None), "still approved")
    expect_eq(casekit.decisions(k), [("review approve", case["id"])], "one decision in the audit log")
    refused = [(e["operator"], e["details"]["error"]) for e in k.ok("audit", "list", json=True).json
               if e["command"].startswith("review") and e["outcome"] == "refused"]
    expect_eq(refused, [("alice", "four-eyes")] * 2 + [("bob", "already-decided")] + [("dave", "already-decided")] * 2,
              "refused decisions are audited")
    kltest.expect_ok(verify_txn(k, ZHANG, PIN))


def test_bad_reason_unknown_case_and_roles(k):
    casekit.setup(k)
    case = casekit.reset_login(k, T0, ZHANG)
    before = (k.dump(), casekit.states(k), k.audit_count())
    expect_error(k.run("review", "reject", case["id"], "--reason", "blurry", op="bob", now=LATER, json=True),
                 64, "usage", "blurry")
    expect_error(k.run("review", "reject", case["id"], op="bob", now=LATER), 64, "usage")
    for args in (["approve", "K20260306-00000000"], ["reject", "K20260306-00000000", "--reason", "other"],
                 ["show", "K20260306-00000000"]):
        expect_error(k.run("review", *args, op="bob", now=LATER, json=True), 67, "not-found", "K20260306-00000000")
    for op in ("erin", "carol"):
        for args in (["approve", case["id"]], ["reject", case["id"], "--reason", "other"]):
            expect_error(k.run("review", *args, op=op, now=LATER, json=True), 77, "permission", "reviewer")
    expect_error(k.run("review", "approve", case["id"], op="mallory", now=LATER), 77, "permission")
    expect_eq((k.dump(), casekit.states(k)), before[:2], "refusals change nothing")
    audited = [e for e in k.ok("audit", "list", json=True).json[before[2]:]]
    expect(all(e["outcome"] == "refused" for e in audited), "only refusals were added to the audit log")
    expect_eq(casekit.show(k, case["id"])["decision"], None, "no decision")
    # Any role may look at cases.
    for op in ("erin", "carol", "bob"):
        expect_eq(k.ok("review", "show", case["id"], op=op, json=True).json["state"], "pending", f"{op} sees it")


def race(k, case_id, commands):
    """Starts every (operator, args) at the same moment; returns their exit codes and stderr."""
    procs = [subprocess.Popen([kltest.BINARY, "-o", "json", "review", *args], env=k.env(op, LATER), cwd=k.dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for op, args in commands]
    return [(p.wait(timeout=60), p.communicate()[1]) for p in procs]


def test_two_reviewers_racing_decide_once(k):
    casekit.setup(k, customers=3)
    rounds = [[("bob", ["approve"]), ("dave", ["approve"])],
              [("bob", ["approve"]), ("dave", ["reject", "--reason", "other"])],
              [("dave", ["reject", "--reason", "duplicate"]), ("bob", ["reject", "--reason", "other"])]]
    for i, commands in enumerate(rounds, start=1):
        case = casekit.reset_txn(k, T0, casekit.customer(i))
        results = race(k, case["id"], [(op, [args[0], case["id"], *args[1:]]) for op, args in commands])
        codes = sorted(code for code, _ in results)
        expect_eq(codes, [0, 77], f"round {i}: exactly one reviewer wins ({results})")
        loser = [err for code, err in results if code == 77][0]
        expect_in("[already-decided]", loser, "the other one is told the case is decided")
        state = casekit.show(k, case["id"])["state"]
        expect(state in ("approved", "rejected"), f"decided: {state}")
        command = "review approve" if state == "approved" else "review reject"
        expect_eq([d for d in casekit.decisions(k) if d[1] == case["id"]], [(command, case["id"])],
                  "one decision in the audit log, the winner's")
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "audit chain intact")


if __name__ == "__main__":
    kltest.main(globals())
