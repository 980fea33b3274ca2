"""Resets that end in a review case (domain.md §2, §3, §6): reset-login without the reserved
phone and reset-txn with face + materials; due dates (T+1 business day), materials, withdrawal."""
import hashlib
import os

import kltest
from kltest import JPEG, LI_ACCOUNTS, PNG, at, expect, expect_eq, expect_error, expect_not_in

T0 = "2026-03-06T10:00:00+08:00"  # a Friday
ZHANG = ["--customer", "C000001", "--id-number", "11010519491231002X", "--name", "张伟"]
CONTACT = "+8613700002233"
ACCOUNT = "6222020200000000014"
CASE_KEYS = {"id", "kind", "state", "customer", "due_at", "reason"}


def materials(k, tag=""):
    """Three distinct images: ID front (JPEG), ID back (PNG), handheld (JPEG)."""
    front = k.write_bytes(f"front{tag}.jpg", JPEG + b"front" + tag.encode())
    back = k.write_bytes(f"back{tag}.png", PNG + b"back" + tag.encode())
    hand = k.write_bytes(f"hand{tag}.jpeg", JPEG + b"handheld" + tag.encode() * 50)
    return {"--id-front": front, "--id-back": back, "--handheld": hand}


def flat(files):
    return [x for kv in files.items() for x in kv]


def reset_login_case(k, now, files, code=None, password="Lighthouse-42", ident=ZHANG, face=("pass", "FR-1")):
    code = code or k.send_otp(now, "reset-login", to=CONTACT)
    face_args = ["--face", face[0]] + (["--face-ref", face[1]] if face[1] else [])
    return k.run("reset-login", *ident, "--phone-unavailable", *face_args, *flat(files),
                 "--contact-phone", "13700002233", "--contact-otp", code, "--password-stdin",
                 op="alice", now=now, stdin=f"{password}\n{password}\n", json=True)


def reset_txn_case(k, now, files, account=ACCOUNT, customer="C000001", pin="502983", face=("pass", "FR-2"), code=None):
    code = code or k.send_otp(now, "reset-txn", customer=customer)
    face_args = ["--face", face[0]] + (["--face-ref", face[1]] if face[1] else [])
    return k.run("reset-txn", "--customer", customer, "--account", account, *face_args, *flat(files),
                 "--otp", code, "--password-stdin", op="alice", now=now, stdin=f"{pin}\n{pin}\n", json=True)


def case_show(k, case_id):
    return k.ok("review", "show", case_id, json=True).json


def test_reset_login_without_phone_makes_a_case(k):
    k.load_example_with_li()
    files = materials(k)
    r = reset_login_case(k, T0, files)
    kltest.expect_ok(r)
    case = r.json
    expect(set(case) >= CASE_KEYS, f"case JSON has {CASE_KEYS}", r)
    expect_eq((case["kind"], case["state"], case["customer"], case["reason"]),
              ("reset-login", "pending", "C000001", None), "case fields", r)
    expect_eq(case["due_at"], "2026-03-09T23:59:59+08:00", "a Friday's case is due Monday night", r)
    expect_not_in("Lighthouse", r.out + r.err, "no password in the output", r)
    full = case_show(k, case["id"])
    expect_eq(full["face"], {"result": "pass", "ref": "FR-1"}, "face result and reference")
    expect_eq(full["contact_phone"], "*******2233", "contact phone, masked")
    expect_eq(full["staged_secret"], True, "the new password is staged")
    expect_eq(sorted(m["role"] for m in full["materials"]), ["handheld", "id-back", "id-front"], "materials")
    store_dir = k.store + ".materials"
    for m in full["materials"]:
        src = files[{"id-front": "--id-front", "id-back": "--id-back", "handheld": "--handheld"}[m["role"]]]
        with open(src, "rb") as f:
            data = f.read()
        expect_eq(m["sha256"], hashlib.sha256(data).hexdigest(), f"{m['role']} sha256")
        expect_eq(m["media"], "image/png" if m["role"] == "id-back" else "image/jpeg", f"{m['role']} media type")
        expect_eq(m["size"], len(data), f"{m['role']} size")
        copy = os.path.join(store_dir, m["sha256"])
        with open(copy, "rb") as f:
            expect_eq(f.read(), data, f"{m['role']} copied into STORE.materials/<sha256>")
        expect_eq(kltest.file_mode(copy), 0o600, f"{m['role']} copy mode")
    # Nothing changes before the review; the customer hears of the case on the contact phone.
    r = k.run("login", "verify", "--customer", "C000001", "--password-stdin", op="alice", now=T0, stdin="Kunlun2026!\n")
    kltest.expect_ok(r)
    sms = k.ok("notify", "list", "--state", "pending", op="alice", json=True).json
    expect_eq([(m["template"], m["to"]) for m in sms], [("case_submitted", "*******2233")], "SMS to the contact phone")
    listed = k.ok("review", "list", "--state", "pending", json=True, op="bob").json
    expect_eq([c["id"] for c in listed], [case["id"]], "review list shows the case")


def test_due_dates_and_withdrawal(k):
    k.load_example_with_li()
    files = materials(k)
    rows = [
        ("2026-02-13T16:00:00+08:00", "2026-02-14T23:59:59+08:00"),  # Friday → the make-up Saturday (调休)
        ("2026-02-14T10:00:00+08:00", "2026-02-24T23:59:59+08:00"),  # 调休 Saturday → after 春节
        ("2026-03-06T23:30:00+08:00", "2026-03-09T23:59:59+08:00"),  # Friday night → Monday
        ("2026-03-07T02:00:00+08:00", "2026-03-09T23:59:59+08:00"),  # Saturday (Friday in UTC) → Monday
        ("2026-09-30T10:00:00+08:00", "2026-10-08T23:59:59+08:00"),  # before 国庆节 → 2026-10-08
    ]
    previous = None
    for now, due in rows:
        r = reset_login_case(k, now, files)
        kltest.expect_ok(r)
        expect_eq(r.json["due_at"], due, f"due date of a case submitted {now}", r)
        expect_eq(r.json["state"], "pending", "new case pending", r)
        if previous:
            old = case_show(k, previous)
            expect_eq(old["state"], "withdrawn", "the newer case withdraws the older one")
        previous = r.json["id"]
    cases = k.ok("review", "list", json=True).json
    expect_eq(sorted(c["state"] for c in cases), ["pending"] + ["withdrawn"] * 4, "one pending case left")
    with k.db() as db:
        sealed = dict(db.execute("SELECT id, staged_secret_enc IS NOT NULL FROM cases").fetchall())
    expect_eq(sealed, {c["id"]: c["state"] == "pending" for c in cases}, "a withdrawn case's sealed secret is wiped")
    # Another kind or another customer withdraws nothing.
    kltest.expect_ok(reset_txn_case(k, "2026-09-30T10:01:00+08:00", files))
    expect_eq(case_show(k, previous)["state"], "pending", "a reset-txn case leaves the reset-login case alone")


def test_materials_are_checked(k):
    k.load_example_with_li("[policy.review]\nmaterials_max_bytes = 1024\n")
    code = k.send_otp(T0, "reset-login", to=CONTACT)
    good = materials(k)
    before = k.dump()
    text = k.write("fake.jpg", "this is not a picture\n")
    expect_error(reset_login_case(k, T0, {**good, "--id-front": text}, code=code), 65, "invalid-material", "fake.jpg")
    expect_error(reset_login_case(k, T0, {**good, "--handheld": k.path("missing.jpg")}, code=code), 66, "no-input",
                 "missing.jpg")
    big = k.write_bytes("big.jpg", JPEG + b"x" * 2000)
    expect_error(reset_login_case(k, T0, {**good, "--id-back": big}, code=code), 65, "invalid-material", "1024")
    renamed = k.write_bytes("png-named.jpg", PNG + b"renamed")
    r = reset_login_case(k, T0, {**good, "--id-front": renamed}, code=code, face=("failed", "FR-9"))
    expect(r.code == 77 and r.json["error"]["exit"] == 77, "face recognition must have passed", r)
    expect_eq(k.dump(), before, "refused submissions change nothing")
    expect_eq(k.ok("review", "list", json=True).json, [], "no case")
    refused = [e["details"]["error"] for e in k.ok("audit", "list", json=True).json if e["outcome"] == "refused"]
    expect_eq(refused, ["invalid-material", "invalid-material", "face-failed"], "refusals audited (66 is not)")
    leftovers = os.listdir(k.store + ".materials") if os.path.isdir(k.store + ".materials") else []
    expect(not any(name.startswith(".") or name.endswith(".tmp") for name in leftovers),
           f"no temporary files left in the materials directory: {leftovers}")
    # The code was not used by the refusals; a PNG named .jpg is a PNG.
    r = reset_login_case(k, T0, {**good, "--id-front": renamed}, code=code)
    kltest.expect_ok(r)
    front = [m for m in case_show(k, r.json["id"])["materials"] if m["role"] == "id-front"]
    expect_eq(front[0]["media"], "image/png", "the type comes from the magic bytes")


def test_reset_login_case_refusals(k):
    k.load_example_with_li()
    files = materials(k)
    code = k.send_otp(T0, "reset-login", to=CONTACT)
    before = k.dump()
    expect_error(reset_login_case(k, T0, files, code=code, ident=ZHANG[:5] + ["王芳"]), 77, "identity-mismatch")
    expect_error(reset_login_case(k, T0, files, code=code, password="Zw19491231"), 65, "weak-password", "birth date")
    expect_error(reset_login_case(k, T0, files, code=code, password="Kunlun2026!"), 65, "weak-password", "last 5")
    expect_error(reset_login_case(k, T0, files, code=f"{(int(code) + 1) % 10**6:06d}"), 77, "otp-invalid")
    reserved = k.send_otp(T0, "reset-login")  # a code to the reserved phone is not one to the contact phone
    expect_error(reset_login_case(k, T0, files, code=reserved), 77, "otp-invalid")
    r = k.run("reset-login", *ZHANG, "--phone-unavailable", "--face", "pass", "--face-ref", "FR", *flat(files),
              "--contact-phone", "13700002233", "--contact-otp", code, op="alice", now=T0, stdin="x\n")
    expect_error(r, 64, "usage", "--password-stdin")
    r = reset_login_case(k, T0, {"--id-front": files["--id-front"]}, code=code)
    expect_error(r, 64, "usage")
    audit = [e for e in k.ok("audit", "list", json=True).json if e["command"] == "reset-login"]
    expect_eq([e["details"]["error"] for e in audit if e["outcome"] == "refused"],
              ["identity-mismatch", "weak-password", "weak-password", "otp-invalid", "otp-invalid"],
              "the refusals are audited")
    after = k.dump()
    expect_eq(after, before, "nothing changed but counters and the audit log")
    store_dir = k.store + ".materials"
    expect(not os.path.isdir(store_dir) or os.listdir(store_dir) == [], "no materials kept for refused submissions")
    kltest.expect_ok(reset_login_case(k, T0, files, code=code))


def test_reset_txn_cases(k):
    k.load_example_with_li()
    files = materials(k)
    r = reset_txn_case(k, T0, files)
    kltest.expect_ok(r)
    expect(set(r.json) >= CASE_KEYS, "case JSON", r)
    expect_eq((r.json["kind"], r.json["state"], r.json["customer"], r.json["due_at"]),
              ("reset-txn", "pending", "C000001", "2026-03-09T23:59:59+08:00"), "reset-txn case", r)
    full = case_show(k, r.json["id"])
    expect_eq(full["face"], {"result": "pass", "ref": "FR-2"}, "face")
    expect_eq(full["account"], "6222***********0014", "account, masked")
    kltest.expect_ok(k.run("txn", "verify", "--customer", "C000001", "--account", ACCOUNT, "--password-stdin",
                           op="alice", now=T0, stdin="739182\n"))
    # Face recognition failed more than 3 times: straight to the materials path, no reference.
    r = reset_txn_case(k, at(T0, 61), files, face=("failed-over-limit", None))
    kltest.expect_ok(r)
    full = case_show(k, r.json["id"])
    expect_eq(full["face"]["result"], "failed-over-limit", "face.result")
    expect_eq(full["face"]["ref"], None, "no face reference")
    # Every account class.
    for i, (cls, number) in enumerate(LI_ACCOUNTS.items()):
        now = at(T0, 61 * i)
        r = reset_txn_case(k, now, materials(k, cls), account=number, customer="C000002")
        kltest.expect_ok(r)
        expect_eq(case_show(k, r.json["id"])["account"][-4:], number[-4:], f"class {cls} account case")
    c = k.ok("customer", "show", "C000002", json=True).json
    expect_eq([a["class"] for a in c["accounts"]], ["I", "II", "III"], "account classes")


def test_reset_txn_case_refusals(k):
    k.load_example_with_li()
    files = materials(k)
    code = k.send_otp(T0, "reset-txn", customer="C000002")
    before = k.dump()
    li = {"customer": "C000002", "account": LI_ACCOUNTS["II"], "code": code}
    for pin in ["111111", "123456", "654321", "121212", "123123", "850615", "061585", "150685", "198506",
                "151236", "358246", "73918"]:
        expect_error(reset_txn_case(k, T0, files, pin=pin, **li), 65, "weak-password")
    r = k.run("reset-txn", "--customer", "C000002", "--account", LI_ACCOUNTS["II"], "--face", "pass", "--face-ref", "R",
              *flat(files), "--otp", code, "--password-stdin", op="alice", now=T0, stdin="502983\n502984\n")
    expect_error(r, 65, "confirmation-mismatch")
    expect_error(reset_txn_case(k, T0, files, face=("pass", None), **li), 64, "usage", "--face-ref")
    expect_error(reset_txn_case(k, T0, files, face=("maybe", "R"), **li), 64, "usage")
    expect_error(reset_txn_case(k, T0, files, customer="C000002", account=ACCOUNT, code=code), 67, "not-found")
    text = k.write("fake.png", "not a png")
    expect_error(reset_txn_case(k, T0, {**files, "--handheld": text}, **li), 65, "invalid-material")
    expect_eq(k.dump(), before, "refusals change nothing")
    refused = [e for e in k.ok("audit", "list", json=True).json if e["outcome"] == "refused"]
    expect_eq(len(refused), 14, "weak PINs, the mismatch and the bad material are audited")
    expect(all(e["command"] == "reset-txn" and e["customer"] == "C000002" for e in refused), "audit entries")
    kltest.expect_ok(reset_txn_case(k, T0, files, **li))


if __name__ == "__main__":
    kltest.main(globals())
