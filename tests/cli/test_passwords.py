"""Login and transaction passwords through the binary (domain.md §2, §3): the rules, the
lockouts, the reset with the reserved phone, the branch reset, modify, and secrets off argv."""
import re

import kltest
from kltest import at, expect, expect_eq, expect_error, expect_in, expect_not_in

T0 = "2026-03-06T10:00:00+08:00"
ZHANG = ["--customer", "C000001", "--id-number", "11010519491231002X", "--name", "张伟"]
ACCOUNT = "6222020200000000014"
LI_ACCOUNTS = list(kltest.LI_ACCOUNTS.values())


def reset_login(k, code, new, confirm=None, now=T0, ident=ZHANG, phone="13800001152"):
    stdin = f"{new}\n{new if confirm is None else confirm}\n"
    return k.run("reset-login", *ident, "--phone", phone, "--otp", code, "--password-stdin",
                 op="alice", now=now, stdin=stdin)


def login(k, password, customer="C000001", now=T0):
    return k.run("login", "verify", "--customer", customer, "--password-stdin", op="alice", now=now,
                 stdin=password + "\n", json=True)


def txn(k, password, account=ACCOUNT, customer="C000001", now=T0):
    return k.run("txn", "verify", "--customer", customer, "--account", account, "--password-stdin",
                 op="alice", now=now, stdin=password + "\n")


def modify(k, code, old, new, confirm=None, account=ACCOUNT, customer="C000001", now=T0):
    stdin = f"{old}\n{new}\n{new if confirm is None else confirm}\n"
    return k.run("reset-txn", "--customer", customer, "--account", account, "--modify", "--otp", code,
                 "--password-stdin", op="alice", now=now, stdin=stdin)


def show(k, customer="C000001"):
    return k.ok("customer", "show", customer, json=True).json


def refusals(k, command):
    return [e for e in k.ok("audit", "list", json=True).json if e["command"] == command and e["outcome"] == "refused"]


def test_login_rule_kunlun_profile(k):
    k.load_example_with_li()
    code = k.send_otp(T0, "reset-login")
    before = k.dump()
    rows = [
        ("Kunlun7", "8-19"), ("Kunlun2026!abcdefghi", "8-19"),  # 7 and 20 characters
        ("abcdefgh", "at least 2"), ("73918264", "at least 2"), ("!@#$%^&*", "at least 2"),
        ("abc def12", "printable"),
        ("x11010519491231002X", "ID number"),  # 19 characters holding the ID
        ("Tel13800001152", "phone number"),
        ("Zw19491231", "birth date"), ("Zw491231!", "birth date"), ("Zw123149!", "birth date"),
        ("Zw311249!", "birth date"),
        ("Password123", "common"), ("P@ssw0rd1", "common"), ("qwerty123", "common"),
        ("Kunlun2026!", "last 5"),  # the current password
    ]
    for password, says in rows:
        expect_error(reset_login(k, code, password), 65, "weak-password", says)
    expect_eq(k.dump(), before, "refused resets change nothing")
    expect_eq(len(refusals(k, "reset-login")), len(rows), "each refusal is audited as refused")
    expect(all(e["details"]["error"] == "weak-password" for e in refusals(k, "reset-login")), "audited slug")
    kltest.expect_ok(reset_login(k, code, "Abcdefghij1234567!x"))  # 19 characters: accepted, code still valid
    expect_eq(login(k, "Abcdefghij1234567!x").json["ok"], True, "effective at once")
    code = k.send_otp(at(T0, 61), "reset-login")
    kltest.expect_ok(reset_login(k, code, "abcd!@#$", now=at(T0, 62)))  # 8 characters, letters + symbols


def test_login_rule_icbc_profile(k):
    k.load_example_with_li('[policy.login]\nprofile = "icbc"\n')
    code = k.send_otp(T0, "reset-login")
    for password, says in [("Kx9m2", "6-30"), ("Kx9m2qKx9m2qKx9m2qKx9m2qKx9m2qZ", "6-30"),
                           ("abcdefgh", "letters and digits"), ("abcd!@#$", "letters and digits"),
                           ("73918264", "letters and digits"), ("Zw491231", "birth date"), ("abc123", "common")]:
        line = expect_error(reset_login(k, code, password), 65, "weak-password", says)
        expect_in("icbc", line, "the message names the profile")
    kltest.expect_ok(reset_login(k, code, "Kx9m2qKx9m2qKx9m2qKx9m2qKx9m2q"))  # 30
    code = k.send_otp(at(T0, 61), "reset-login")
    kltest.expect_ok(reset_login(k, code, "Kx9m2q", now=at(T0, 62)))  # 6


def test_last_five_login_passwords(k):
    k.load_example_with_li()
    passwords = [f"Harbor-{n}x" for n in (31, 42, 53, 64, 75)]
    for i, pw in enumerate(passwords):
        now = at(T0, 61 * i)
        kltest.expect_ok(reset_login(k, k.send_otp(now, "reset-login"), pw, now=now))
    now = at(T0, 61 * 6)
    code = k.send_otp(now, "reset-login")
    for old in passwords:
        expect_error(reset_login(k, code, old, now=now), 65, "weak-password", "last 5")
    kltest.expect_ok(reset_login(k, code, "Kunlun2026!", now=now))  # the 6th back is allowed again


def test_reset_with_reserved_phone(k):
    k.load_example_with_li()
    for _ in range(5):
        login(k, "wrong-password1")
    expect_eq(show(k)["login"]["locked"], True, "locked")
    code = k.send_otp(T0, "reset-login")
    before, audited = k.dump(), len(refusals(k, "reset-login"))
    bad = [
        (ZHANG[:5] + ["李雷"], "identity-mismatch"),                                        # wrong name
        (ZHANG[:3] + [kltest.resident_id("11010519800101001"), "--name", "张伟"], "identity-mismatch"),
        (ZHANG + ["--id-type", "passport"], "identity-mismatch"),                          # wrong type
        (ZHANG + ["--id-type", "hkid"], "identity-mismatch"),            # wrong type, not an HKID number
    ]
    for ident, slug in bad:
        expect_error(reset_login(k, code, "Lighthouse-42", ident=ident), 77, slug)
    r = reset_login(k, code, "Lighthouse-42", phone="13900001234")
    expect(r.code == 77 and "kunlunctl: error [" in r.err and "1234" in r.err, "another phone → 77", r)
    expect_error(reset_login(k, code, "Lighthouse-42", "Lighthouse-43"), 65, "confirmation-mismatch")
    expect_error(reset_login(k, code, "Lighthouse-42", ident=ZHANG[:3] + ["12345", "--name", "张伟"]), 65,
                 "invalid-id-number")
    expect_eq(k.dump(), before, "nothing changed by the refusals")
    expect_eq(len(refusals(k, "reset-login")), audited + 7, "each refusal audited")
    expect_eq(show(k)["login"]["locked"], True, "still locked")
    r = reset_login(k, code, "Lighthouse-42")
    kltest.expect_ok(r)
    expect_not_in("Lighthouse", r.out + r.err, "the password is not echoed", r)
    c = show(k)
    expect_eq((c["login"]["locked"], c["login"]["failures"], c["login"]["must_change"]), (False, 0, False),
              "unlocked, counter cleared", r)
    expect_eq(login(k, "Lighthouse-42").json["ok"], True, "the new password works")
    expect_error(login(k, "Kunlun2026!"), 77, "wrong-password")
    sms = k.ok("notify", "list", "--state", "pending", op="alice", json=True).json
    expect_eq([(m["template"], m["to"]) for m in sms], [("login_password_changed", "*******1152")],
              "a notification SMS queued to the reserved phone")
    expect_error(reset_login(k, code, "Lighthouse-43"), 77, "otp-invalid", "already used")


def test_login_lockout(k):
    k.load_example_with_li()
    for i in range(1, 5):
        expect_error(login(k, "Wrong-pass1"), 77, "wrong-password", f"{5 - i} attempts left")
    expect_eq(show(k)["login"]["failures"], 4, "4 failures counted")
    expect_eq(login(k, "Kunlun2026!").json, {"customer": "C000001", "ok": True, "must_change": False}, "correct")
    expect_eq(show(k)["login"]["failures"], 0, "success resets the count")
    for _ in range(4):
        expect_error(login(k, "Wrong-pass1"), 77, "wrong-password")
    before = k.dump()
    expect_error(login(k, "Wrong-pass1"), 77, "locked")
    expect_error(login(k, "Kunlun2026!"), 77, "locked")
    expect_error(login(k, "Kunlun2026!", now=at(T0, 86400 * 3)), 77, "locked")
    expect_eq(k.dump(), before, "failures do not change the dump")
    expect_eq(show(k)["login"]["locked"], True, "customer show says locked")
    expect_eq(login(k, "Harbor-Lights7", customer="C000003").json["ok"], True, "another customer is unaffected")
    audit = [e for e in k.ok("audit", "list", json=True).json if e["command"] == "login verify"]
    expect_eq([e["details"].get("error") for e in audit if e["outcome"] == "refused"][-3:],
              ["locked", "locked", "locked"], "refusals audited")


def test_branch_reset_gives_a_temporary_password(k):
    k.load_example_with_li("[policy.login]\ntemporary_length = 6\n")
    for _ in range(5):
        login(k, "Wrong-pass1")
    r = k.run("reset-login", *ZHANG, "--at-branch", op="alice", now=T0, json=True)
    kltest.expect_ok(r)
    temporary = r.json["temporary_password"]
    expect(re.fullmatch(r"[0-9]{6}", temporary), f"6 digits: {temporary!r}", r)
    expect_eq(r.json["must_change"], True, "must_change", r)
    c = show(k)
    expect_eq((c["login"]["locked"], c["login"]["must_change"]), (False, True), "unlocked, must change")
    expect_eq(login(k, temporary).json["must_change"], True, "the temporary password verifies: must change")
    expect_error(login(k, "Kunlun2026!"), 77, "wrong-password")
    table = k.ok("reset-login", *ZHANG, "--at-branch", op="alice", now=T0)
    found = re.findall(r"\b[0-9]{6,8}\b", table.out)
    expect(len(found) == 1 and login(k, found[0]).json["must_change"], "table output shows the password once", table)
    for where in (k.ok("audit", "list").out, k.ok("notify", "list", op="alice").out, k.dump()):
        expect_not_in(found[0], where, "the temporary password is shown nowhere else")
    expect_error(k.run("reset-login", *ZHANG[:5], "王芳", "--at-branch", op="alice", now=T0), 77, "identity-mismatch")
    k.write_config("")
    r = k.ok("reset-login", *ZHANG, "--at-branch", op="alice", now=T0, json=True)
    expect(re.fullmatch(r"[0-9]{6,8}", r.json["temporary_password"]), "6-8 digits by default", r)
    # An HKID as printed on the card, brackets and all.
    r = k.ok("reset-login", "--customer", "C000003", "--id-number", "A123456(3)", "--name", "陳大文", "--at-branch",
             op="alice", now=T0, json=True)
    expect_eq(login(k, r.json["temporary_password"], customer="C000003").json["must_change"], True, "HKID customer")


def test_txn_lockout(k):
    k.load_example_with_li()
    for i in range(1, 6):
        expect_error(txn(k, "502983"), 77, "wrong-password", f"{6 - i} attempts left")
    a = show(k)["accounts"][0]
    expect_eq((a["txn_failures"], a["txn_attempts_left"], a["txn_locked"]), (5, 1, False), "5 failures counted")
    kltest.expect_ok(txn(k, "739182"))
    expect_eq(show(k)["accounts"][0]["txn_failures"], 0, "success resets the count")
    for _ in range(5):
        txn(k, "502983")
    expect_error(txn(k, "502983"), 77, "locked")
    expect_error(txn(k, "739182"), 77, "locked")
    expect_eq(show(k)["accounts"][0]["txn_locked"], True, "customer show says locked")
    code = k.send_otp(T0, "reset-txn")
    expect_error(modify(k, code, "739182", "502983"), 77, "locked")
    for acct in LI_ACCOUNTS:
        kltest.expect_ok(txn(k, "739182", account=acct, customer="C000002"))
    expect_error(txn(k, "739182", account=LI_ACCOUNTS[0]), 67, "not-found")


def test_weak_transaction_passwords_refused(k):
    k.load_example_with_li()
    code = k.send_otp(T0, "reset-txn", customer="C000002")
    before = k.dump()
    weak = ["111111", "000000", "123456", "654321", "121212", "123123",
            "850615", "061585", "150685", "198506", "985061",  # birth date 1985-06-15
            "151236",  # last 6 of the ID
            "358246"]  # last 6 of the phone
    for pin in weak:
        r = modify(k, code, "739182", pin, account=LI_ACCOUNTS[1], customer="C000002")
        expect_error(r, 65, "weak-password")
    for pin in ["73918", "7391820", "73a182"]:
        expect_error(modify(k, code, "739182", pin, account=LI_ACCOUNTS[1], customer="C000002"), 65, "weak-password",
                     "6 digits")
    expect_eq(k.dump(), before, "nothing changed")
    expect_eq(len(refusals(k, "reset-txn")), len(weak) + 3, "each refusal audited")
    expect_eq(show(k, "C000002")["accounts"][1]["txn_failures"], 0, "a weak new password is no failure")
    # 张伟's ID ends in X: its last 6 digits still count.
    c2 = k.send_otp(T0, "reset-txn")
    for pin in ["491231", "231002", "001152"]:
        expect_error(modify(k, c2, "739182", pin), 65, "weak-password")
    kltest.expect_ok(modify(k, code, "739182", "502983", account=LI_ACCOUNTS[1], customer="C000002"))


def test_modify_transaction_password(k):
    k.load_example_with_li()
    code = k.send_otp(T0, "reset-txn")
    before = k.dump()
    expect_error(modify(k, code, "502983", "840271"), 77, "wrong-password", "5 attempts left")
    expect_eq(k.dump(), before, "a wrong old password changes only the counter")
    a = show(k)["accounts"][0]
    expect_eq((a["txn_failures"], a["txn_attempts_left"]), (1, 5), "the failure is counted")
    expect_error(modify(k, code, "739182", "840271", "840272"), 65, "confirmation-mismatch")
    r = modify(k, code, "739182", "840271")
    kltest.expect_ok(r)
    expect_eq(show(k)["accounts"][0]["txn_failures"], 0, "counter cleared")
    kltest.expect_ok(txn(k, "840271"))
    expect_error(txn(k, "739182"), 77, "wrong-password")
    expect_eq(login(k, "Kunlun2026!").json["ok"], True, "the login password is untouched")
    sms = k.ok("notify", "list", "--state", "pending", op="alice", json=True).json
    expect_eq([m["template"] for m in sms], ["txn_password_changed"], "a notification queued")
    for i, acct in enumerate(LI_ACCOUNTS):  # every account class
        now = at(T0, 61 * i)
        kltest.expect_ok(modify(k, k.send_otp(now, "reset-txn", "C000002"), "739182", "502983", account=acct,
                                customer="C000002", now=now))
        kltest.expect_ok(txn(k, "502983", account=acct, customer="C000002"))


def test_secrets_never_on_the_command_line(k):
    k.load_example_with_li()
    code = k.send_otp(T0, "reset-txn")
    commands = [
        ["login", "verify", "--customer", "C000001"],
        ["txn", "verify", "--customer", "C000001", "--account", ACCOUNT],
        ["reset-login", *ZHANG, "--phone", "13800001152", "--otp", code],
        ["reset-txn", "--customer", "C000001", "--account", ACCOUNT, "--modify", "--otp", code],
    ]
    before = k.dump()
    for argv in commands:
        expect_error(k.run(*argv, op="alice", now=T0, stdin="Kunlun2026!\n"), 64, "usage", "--password-stdin")
        r = k.run(*argv, "--password", "Kunlun2026!", op="alice", now=T0)
        expect_eq(r.code, 64, "no --password option", r)
    expect_error(k.run("login", "verify", "--customer", "C000001", "--password-stdin", op="alice", now=T0), 64, "usage")
    expect_eq(k.dump(), before, "nothing changed")
    expect_eq(show(k)["login"]["failures"], 0, "no failure counted")


if __name__ == "__main__":
    kltest.main(globals())
