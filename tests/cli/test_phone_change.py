"""Changing the reserved phone (domain.md §4): the preconditions in order, each refusal naming
its item; the three proofs (old phone's code → at once; old phone lost + a card → a review
case; e-shield signature → at once); the SMS to both numbers; and the cooling-off during
which the transaction-password reset without review is refused."""
import os
import shutil
import subprocess

import kltest
from kltest import at, expect, expect_eq, expect_error, expect_not_in

T0 = "2026-03-06T10:00:00+08:00"  # a Friday
CERTS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "certs"))
FAST = "[crypto.argon2]\nmemory_kib = 64\ntime_cost = 1\n"
OLD = "+8613800001152"
NEW = "+8613700002233"
LI_PHONE = "+8613912358246"
ACCOUNT = "6222020200000000014"
ZHANG = ["--customer", "C000001", "--id-number", "11010519491231002X", "--name", "张伟"]

FIXTURE = '''
[[operator]]
name = "alice"
roles = ["operator"]

[[operator]]
name = "bob"
roles = ["reviewer"]

[[operator]]
name = "carol"
roles = ["auditor"]

[[customer]]
id = "C000001"
name = "张伟"
id_type = "resident-id"
id_number = "11010519491231002X"
phone = "+8613800001152"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "6222020200000000014"
  class = "I"
  txn_password = "739182"

  [[customer.device]]
  id = "D1"
  apps = ["mobile-banking", "invest"]
  encrypted = true
  app_version = "6.2.5"
  rooted = false

  [[customer.device]]
  id = "D-599"
  apps = ["mobile-banking"]
  encrypted = true
  app_version = "5.9.9"
  rooted = false

  [[customer.device]]
  id = "D-600"
  apps = ["mobile-banking"]
  encrypted = true
  app_version = "6.0.0"
  rooted = false

  [[customer.device]]
  id = "D-610"
  apps = ["mobile-banking"]
  encrypted = true
  app_version = "6.10.0"
  rooted = false

  [[customer.device]]
  id = "D-plain"
  apps = ["mobile-banking"]
  encrypted = false
  app_version = "6.2.5"
  rooted = false

  [[customer.device]]
  id = "D-root"
  apps = ["mobile-banking"]
  encrypted = true
  app_version = "6.2.5"
  rooted = true

  [customer.eshield]
  certificate = "certs/rsa.pem"

[[customer]]
id = "C000002"
name = "李雷"
id_type = "resident-id"
id_number = "320102198506151236"
phone = "+8613912358246"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "6222020200000010005"
  class = "I"
  txn_password = "739182"

  [[customer.device]]
  id = "D2"
  apps = ["mobile-banking"]
  encrypted = true
  app_version = "6.2.5"
  rooted = false
'''


def setup(k, config=""):
    k.write_config(FAST + "[policy.otp]\nresend_seconds = 0\n" + config)
    k.init()
    shutil.copytree(CERTS, k.path("certs"), dirs_exist_ok=True)
    k.ok("fixtures", "load", k.write("bank.toml", FIXTURE))


def change(k, *proof, new=NEW, new_otp="000000", device="D1", face="pass", carrier=True, ident=ZHANG, now=T0,
           json=True, op="alice"):
    args = ["change-phone", *ident, "--new-phone", new, "--device", device, "--face", face, "--face-ref", "FR-20260306-1"]
    args += (["--carrier-verified"] if carrier else []) + ["--new-phone-otp", new_otp] + list(proof)
    return k.run(*args, op=op, now=now, json=json)


def codes(k, now=T0, new=NEW, customer="C000001"):
    """(old phone's code, new phone's code), both for --purpose change-phone."""
    return (k.send_otp(now, "change-phone", customer=customer),
            k.send_otp(now, "change-phone", customer=customer, to=new))


def show(k, customer="C000001"):
    return k.ok("customer", "show", customer, json=True).json


def audit(k):
    return k.ok("audit", "list", json=True).json


def refusals(k, command="change-phone"):
    return [e["details"]["error"] for e in audit(k) if e["command"] == command and e["outcome"] == "refused"]


def openssl(*args):
    p = subprocess.run(["openssl", *args], capture_output=True)
    expect(p.returncode == 0, f"openssl {' '.join(args)} failed: {p.stderr.decode(errors='replace')}")


def eshield_signature(k, purpose="change-phone", now=T0, key="rsa", customer="C000001"):
    """A challenge for `purpose` and the RSA key's signature over its bytes: (id, signature file)."""
    n = len(os.listdir(k.dir))
    data, sig = k.path(f"challenge-{n}.bin"), k.path(f"challenge-{n}.sig")
    r = k.ok("eshield", "challenge", "--customer", customer, "--purpose", purpose, "--out", data, op="alice", now=now,
             json=True)
    openssl("dgst", "-sha256", "-sign", k.path(f"certs/{key}.key"), "-out", sig, data)
    return r.json["id"], sig


def reset_txn_eshield(k, now, pin="502983"):
    ch, sig = eshield_signature(k, "reset-txn", now=now)
    return k.run("reset-txn", "--customer", "C000001", "--account", ACCOUNT, "--eshield-challenge", ch,
                 "--eshield-signature", sig, "--password-stdin", op="alice", now=now, stdin=f"{pin}\n{pin}\n", json=True)


def delivered(k):
    """Dispatches the outbox; returns the sink's (template, to) pairs other than one-time codes."""
    k.ok("notify", "dispatch", op="alice")
    return [(m["template"], m["to"]) for m in k.sms() if m["template"] != "otp"]


def expect_phone(k, phone, what):
    expect_eq(show(k)["phone"], "*******" + phone[-4:], what)


# --- preconditions ---

def test_preconditions_in_order_each_naming_its_item(k):
    setup(k)
    old_code, new_code = codes(k)
    before, audited = k.dump(), len(refusals(k))
    proof = ["--old-phone-otp", old_code]
    bad_ident = ZHANG[:5] + ["李雷"]
    # Each row makes its item fail and every later one too: the first failing item is named.
    rows = [
        (dict(ident=bad_ident, face="failed", device="D-root", carrier=False, new="12345"), 77, "identity-mismatch", []),
        (dict(ident=ZHANG[:3] + ["110105194912310011", "--name", "张伟"], face="failed", carrier=False), 77,
         "identity-mismatch", []),
        (dict(face="failed", device="D-root", carrier=False, new="12345"), 77, "face-failed", []),
        (dict(device="D9", carrier=False, new="12345"), 67, "not-found", ["D9"]),
        (dict(device="D2", carrier=False, new="12345"), 67, "not-found", ["D2"]),  # C000002's device
        (dict(device="D-plain", carrier=False, new="12345"), 77, "device-untrusted", ["D-plain", "encrypt"]),
        (dict(device="D-599", carrier=False, new="12345"), 77, "device-untrusted", ["5.9.9", "6.0.0"]),
        (dict(device="D-root", carrier=False, new="12345"), 77, "device-untrusted", ["rooted"]),
        (dict(carrier=False, new="12345"), 77, "carrier-unverified", ["carrier"]),
        (dict(new="12345"), 65, "invalid-phone", []),
        (dict(new="+8612000001111"), 65, "invalid-phone", []),   # +86 12x is not a mobile number
        (dict(new="+85231234567"), 65, "invalid-phone", []),     # a Hong Kong fixed line
        (dict(new="13800001152"), 65, "same-phone", ["1152"]),   # the old number, in local form
        (dict(new=OLD), 65, "same-phone", []),
        (dict(new=LI_PHONE), 65, "phone-taken", ["8246"]),
    ]
    for kw, code, slug, fragments in rows:
        kw.setdefault("new_otp", new_code)
        r = change(k, *proof, **kw)
        expect_error(r, code, slug, *fragments)
        expect_not_in(LI_PHONE[3:], r.out + r.err, "numbers are masked in messages", r)
    expect_eq(k.dump(), before, "the refusals change nothing")
    expect_phone(k, OLD, "the phone is unchanged")
    expect_eq(refusals(k)[audited:], [slug for _, _, slug, _ in rows], "each refusal audited with its slug")
    # None of the refusals used the codes: the change goes through with them.
    r = change(k, *proof, new_otp=new_code)
    kltest.expect_ok(r)
    expect_phone(k, NEW, "changed")


def test_app_version_minimum(k):
    setup(k)
    expect_error(change(k, "--old-phone-otp", "000000", device="D-599"), 77, "device-untrusted", "5.9.9")
    # 6.0.0 is the minimum itself; 6.10.0 is above it (numerically, not as text).
    for i, (device, phone) in enumerate([("D-600", NEW), ("D-610", "+8613700004455")]):
        now = at(T0, 120 * i)
        old_code, new_code = codes(k, now, new=phone)
        kltest.expect_ok(change(k, "--old-phone-otp", old_code, device=device, new=phone, new_otp=new_code, now=now))
        expect_phone(k, phone, f"changed from {device}")


def test_app_version_minimum_is_configured(k):
    setup(k, '[policy.phone_change]\nmin_app_version = "6.3"\n')
    for device, version in [("D-600", "6.0.0"), ("D1", "6.2.5")]:
        expect_error(change(k, "--old-phone-otp", "000000", device=device), 77, "device-untrusted", version, "6.3")
    old_code, new_code = codes(k)
    kltest.expect_ok(change(k, "--old-phone-otp", old_code, device="D-610", new_otp=new_code))
    # A minimum that is not a version is a configuration error, not a device that passes.
    k.write_config(FAST + '[policy.phone_change]\nmin_app_version = "6.0.0-rc1"\n')
    before = k.dump()
    expect_error(change(k, "--old-phone-otp", "000000", device="D-610", new="+8613700004455", now=at(T0, 60)), 78,
                 "config", "min_app_version")
    expect_eq(k.dump(), before, "nothing changed")


# --- old phone available ---

def test_old_phone_codes_change_it_at_once(k):
    setup(k)
    old_code, new_code = codes(k)
    sent = [(m["to"], m["params"]["purpose"]) for m in k.sms()]
    expect_eq(sent, [(OLD, "change-phone"), (NEW, "change-phone")], "a code to the old and one to the new number")
    before = k.dump()
    wrong = f"{(int(old_code) + 1) % 1000000:06d}"
    expect_error(change(k, "--old-phone-otp", wrong, new_otp=new_code), 77, "otp-invalid")
    expect_error(change(k, "--old-phone-otp", old_code, new_otp=f"{(int(new_code) + 1) % 1000000:06d}"), 77,
                 "otp-invalid")
    # The two codes are not interchangeable.
    expect_error(change(k, "--old-phone-otp", new_code, new_otp=old_code), 77, "otp-invalid")
    expect_eq(k.dump(), before, "wrong codes change nothing")
    expect_phone(k, OLD, "unchanged")
    expect_eq(refusals(k), ["otp-invalid"] * 3, "audited")
    # Nothing was used up by those refusals: the right pair still works.
    r = change(k, "--old-phone-otp", old_code, new_otp=new_code)
    kltest.expect_ok(r)
    expect_eq((r.json["path"], r.json["effective"], r.json["phone"]), ("old-phone", True, "*******2233"), "result", r)
    expect_eq(r.json["cooling_off_until"], "2026-03-07T10:00:00+08:00", "cooling-off for 24 h", r)
    expect_not_in("13700002233", r.out + r.err, "masked", r)
    expect_phone(k, NEW, "customer show has the new masked phone")
    expect_eq(delivered(k), [("phone_changed", OLD), ("phone_changed", NEW)], "SMS to the old and the new number")
    expect_error(change(k, "--old-phone-otp", old_code, new="+8613700004455", new_otp=new_code), 77, "otp-invalid")
    entry = [e for e in audit(k) if e["command"] == "change-phone" and e["outcome"] == "ok"][-1]
    expect_eq((entry["details"]["old"], entry["details"]["new"]), ("*******1152", "*******2233"), "audited, masked")


def test_the_new_number_is_the_reserved_phone_afterwards(k):
    setup(k)
    old_code, new_code = codes(k)
    kltest.expect_ok(change(k, "--old-phone-otp", old_code, new_otp=new_code))
    now = at(T0, 60)
    # otp send without --to goes to the new number now.
    code = k.send_otp(now, "reset-login")
    expect_eq(k.sms()[-1]["to"], NEW, "codes go to the new reserved phone")
    rl = ["reset-login", *ZHANG, "--otp", code, "--password-stdin"]
    r = k.run(*rl, "--phone", "13800001152", op="alice", now=now, stdin="Lighthouse-42\nLighthouse-42\n")
    expect(r.code == 77 and "kunlunctl: error [" in r.err, "the old number no longer identifies the customer", r)
    kltest.expect_ok(k.run(*rl, "--phone", "13700002233", op="alice", now=now, stdin="Lighthouse-42\nLighthouse-42\n"))
    r = k.ok("login", "verify", "--customer", "C000001", "--password-stdin", op="alice", now=now, stdin="Lighthouse-42\n",
             json=True)
    expect_eq(r.json["ok"], True, "login with the password reset through the new number", r)
    # The old number is free: another customer may take it; the new one is taken.
    expect_error(change(k, "--old-phone-otp", "000000", ident=["--customer", "C000002", "--id-number",
                                                                "320102198506151236", "--name", "李雷"],
                        device="D2", new=NEW), 65, "phone-taken")
    li = ["--customer", "C000002", "--id-number", "320102198506151236", "--name", "李雷"]
    old_code, new_code = codes(k, now, new=OLD, customer="C000002")
    kltest.expect_ok(change(k, "--old-phone-otp", old_code, ident=li, device="D2", new=OLD, new_otp=new_code, now=now))
    expect_eq(show(k, "C000002")["phone"], "*******1152", "C000002 took the number C000001 gave up")


# --- old phone unavailable: a review case ---

def test_old_phone_unavailable_card_review_case(k):
    setup(k)
    new_code = k.send_otp(T0, "change-phone", to=NEW)
    before = k.dump()
    proof = ["--old-phone-unavailable", "--card"]
    expect_error(change(k, *proof, "6222020200000010005", new_otp=new_code), 77, "identity-mismatch", "0005")  # C000002's
    expect_error(change(k, *proof, "6222020200000000015", new_otp=new_code), 65, "invalid-account")  # not Luhn
    expect_error(change(k, *proof, kltest.luhn("622202020000000099"), new_otp=new_code), 77, "identity-mismatch")
    expect_error(change(k, *proof, ACCOUNT, new_otp=f"{(int(new_code) + 1) % 1000000:06d}"), 77, "otp-invalid")
    expect_eq(k.dump(), before, "refusals change nothing")
    expect_eq(refusals(k), ["identity-mismatch", "invalid-account", "identity-mismatch", "otp-invalid"], "audited")
    r = change(k, *proof, ACCOUNT, new_otp=new_code)
    kltest.expect_ok(r)
    case = r.json
    expect(set(case) >= {"id", "kind", "state", "customer", "due_at", "reason"}, "a case's JSON", r)
    expect_eq((case["kind"], case["state"], case["customer"], case["reason"]),
              ("change-phone", "pending", "C000001", None), "a pending change-phone case", r)
    expect_eq(case["due_at"], "2026-03-09T23:59:59+08:00", "T+1: end of the next business day (Monday)", r)
    expect_phone(k, OLD, "not changed before review")
    shown = k.ok("review", "show", case["id"], op="bob", json=True).json
    expect_eq(shown["new_phone"], "*******2233", "the case holds the new number, masked")
    pending = k.ok("review", "list", "--kind", "change-phone", "--state", "pending", op="bob", json=True).json
    expect_eq([c["id"] for c in pending], [case["id"]], "listed")
    expect_eq(delivered(k), [("case_submitted", NEW)], "the receipt goes to the new number (the old one is lost)")
    # The submitter may not decide; a reviewer approves.
    expect_error(k.run("review", "approve", case["id"], op="alice", now=at(T0, 3600)), 77, "permission")
    approved = k.ok("review", "approve", case["id"], op="bob", now=at(T0, 3600), json=True).json
    expect_eq(approved["state"], "approved", "approved")
    expect_phone(k, NEW, "changed by the approval")
    after = delivered(k)[1:]
    expect_eq(sorted({to for _, to in after}), sorted({OLD, NEW}), "SMS to the old and the new number")
    # The cooling-off runs from the approval.
    r = reset_txn_eshield(k, at(T0, 3600 + 86399))
    expect_error(r, 77, "cooling-off", "2026-03-07T11:00:00+08:00")
    kltest.expect_ok(reset_txn_eshield(k, at(T0, 3600 + 86400)))


# --- e-shield instead of the old phone ---

def test_eshield_signature_changes_it_at_once(k):
    setup(k)
    new_code = k.send_otp(T0, "change-phone", to=NEW)
    before = k.dump()
    # A challenge for the other e-shield operation, a wrong key, a missing file: refused.
    ch, sig = eshield_signature(k, "reset-txn")
    expect_error(change(k, "--eshield-challenge", ch, "--eshield-signature", sig, new_otp=new_code), 77,
                 "challenge-invalid")
    ch, sig = eshield_signature(k, key="other")
    expect_error(change(k, "--eshield-challenge", ch, "--eshield-signature", sig, new_otp=new_code), 77,
                 "signature-invalid")
    ch, sig = eshield_signature(k)
    expect_error(change(k, "--eshield-challenge", ch, "--eshield-signature", k.path("none.sig"), new_otp=new_code),
                 66, "no-input")
    expect_eq(k.dump(), before, "nothing changed")
    expect_phone(k, OLD, "unchanged")
    expect_eq(refusals(k), ["challenge-invalid", "signature-invalid"], "audited (a missing file is not an attempt)")
    r = change(k, "--eshield-challenge", ch, "--eshield-signature", sig, new_otp=new_code)
    kltest.expect_ok(r)
    expect_eq((r.json["path"], r.json["effective"]), ("eshield", True), "effective at once", r)
    expect_phone(k, NEW, "changed")
    expect_eq(k.ok("review", "list", op="bob", json=True).json, [], "no review case")
    expect_eq(delivered(k), [("phone_changed", OLD), ("phone_changed", NEW)], "SMS to both numbers")
    ch2, sig2 = eshield_signature(k, now=at(T0, 60))
    new_code = k.send_otp(at(T0, 60), "change-phone", to="+8613700004455")
    r = change(k, "--eshield-challenge", ch, "--eshield-signature", sig, new="+8613700004455", new_otp=new_code,
               now=at(T0, 60))
    expect_error(r, 77, "challenge-used")


# --- the cooling-off ---

def test_cooling_off_refuses_the_eshield_txn_reset_for_24_hours(k):
    setup(k)
    kltest.expect_ok(reset_txn_eshield(k, at(T0, -60), pin="618204"))  # allowed before any change
    old_code, new_code = codes(k)
    kltest.expect_ok(change(k, "--old-phone-otp", old_code, new_otp=new_code))
    for seconds in (1, 3600, 86399):
        now = at(T0, seconds)
        before = k.dump()
        r = reset_txn_eshield(k, now)
        expect_error(r, 77, "cooling-off", "2026-03-07T10:00:00+08:00")
        expect_eq(k.dump(), before, "refused: nothing changed")
    expect_eq(refusals(k, "reset-txn"), ["cooling-off"] * 3, "audited")
    r = k.run("txn", "verify", "--customer", "C000001", "--account", ACCOUNT, "--password-stdin", op="alice",
              now=at(T0, 86399), stdin="618204\n")
    kltest.expect_ok(r)
    kltest.expect_ok(reset_txn_eshield(k, at(T0, 86400)))  # at 24 h: allowed


def test_cooling_off_hours_are_configured(k):
    setup(k, "[policy.phone_change]\ncooling_off_hours = 2\n")
    ch, sig = eshield_signature(k, now=T0)
    new_code = k.send_otp(T0, "change-phone", to=NEW)
    r = change(k, "--eshield-challenge", ch, "--eshield-signature", sig, new_otp=new_code)
    kltest.expect_ok(r)
    expect_eq(r.json["cooling_off_until"], "2026-03-06T12:00:00+08:00", "2 hours", r)
    expect_error(reset_txn_eshield(k, at(T0, 7199)), 77, "cooling-off", "2026-03-06T12:00:00+08:00")
    kltest.expect_ok(reset_txn_eshield(k, at(T0, 7200)))


# --- usage and roles ---

def test_usage_errors_and_roles(k):
    setup(k)
    old_code, new_code = codes(k)
    ch, sig = eshield_signature(k)
    before, audited = k.dump(), len(audit(k))
    for proof in ([], ["--old-phone-otp", old_code, "--eshield-challenge", ch, "--eshield-signature", sig],
                  ["--old-phone-otp", old_code, "--old-phone-unavailable", "--card", ACCOUNT],
                  ["--old-phone-unavailable"], ["--eshield-challenge", ch], ["--eshield-signature", sig]):
        expect_error(change(k, *proof, new_otp=new_code), 64, "usage")
    args = ["change-phone", *ZHANG, "--new-phone", NEW, "--device", "D1", "--face", "pass", "--face-ref", "F",
            "--carrier-verified", "--old-phone-otp", old_code]
    expect_error(k.run(*args, op="alice", now=T0), 64, "usage")  # no --new-phone-otp
    expect_eq(k.dump(), before, "nothing changed")
    expect_eq(len(audit(k)), audited, "usage errors are not attempts")
    expect_error(change(k, "--old-phone-otp", old_code, new_otp=new_code, op="bob"), 77, "permission", "operator")
    expect_error(change(k, "--old-phone-otp", old_code, new_otp=new_code,
                        ident=["--customer", "C009999", "--id-number", "11010519491231002X", "--name", "张伟"]),
                 67, "not-found")
    expect_eq(k.dump(), before, "nothing changed")
    kltest.expect_ok(change(k, "--old-phone-otp", old_code, new_otp=new_code))


if __name__ == "__main__":
    kltest.main(globals())
