"""The e-shield (domain.md §1, §3): registering a customer's certificate, signing challenges,
and the transaction-password reset it allows without review. Every signature is made at test
time by the `openssl` command with the test keys of fixtures/certs (see its README): RSA
PKCS#1 v1.5 and PSS, ECDSA P-256 and SM2, as DER/raw files or the same in base64."""
import base64
import os
import shutil
import subprocess

import kltest
from kltest import at, expect, expect_eq, expect_error, expect_in, expect_not_in

T0 = "2026-03-06T10:00:00+08:00"  # a Friday
CERTS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "certs"))
FAST = "[crypto.argon2]\nmemory_kib = 64\ntime_cost = 1\n"
NEW_PIN = "502983"

# Three customers, one per key type of the test certificates (fixtures/certs/README.md), each
# with one account; bob reviews, alice operates.
CUSTOMERS = {
    "C000001": {"name": "张伟", "id_number": "11010519491231002X", "phone": "+8613800001152",
                "account": "6222020200000000014", "key": "rsa"},
    "C000002": {"name": "李娜", "id_number": kltest.resident_id("32010219850615123"), "phone": "+8613912358246",
                "account": kltest.luhn("622202020000001000"), "key": "ecdsa"},
    "C000003": {"name": "王芳", "id_number": kltest.resident_id("44030419900202456"), "phone": "+8613700002233",
                "account": kltest.luhn("622202020000002000"), "key": "sm2"},
}


def fixture(eshields=None):
    """The operators and CUSTOMERS; `eshields` maps a customer id to a certificate path
    written into the fixture (relative to the fixture file)."""
    out = ['[[operator]]\nname = "alice"\nroles = ["operator"]\n',
           '[[operator]]\nname = "bob"\nroles = ["reviewer"]\n',
           '[[operator]]\nname = "carol"\nroles = ["auditor"]\n']
    for cid, c in CUSTOMERS.items():
        out.append(f'''
[[customer]]
id = "{cid}"
name = "{c["name"]}"
id_type = "resident-id"
id_number = "{c["id_number"]}"
phone = "{c["phone"]}"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "{c["account"]}"
  class = "I"
  txn_password = "739182"
''')
        if eshields and cid in eshields:
            out.append(f'\n  [customer.eshield]\n  certificate = "{eshields[cid]}"\n')
    return "\n".join(out)


def setup(k, config="", register=True):
    """A test store with CUSTOMERS; with `register`, each one's certificate registered by alice."""
    k.write_config(FAST + config)
    k.init()
    k.ok("fixtures", "load", k.write("bank.toml", fixture()))
    copy_certs(k)
    if register:
        for cid, c in CUSTOMERS.items():
            register_cert(k, cid, c["key"])


def copy_certs(k, where="certs"):
    dest = k.path(where)
    shutil.copytree(CERTS, dest, dirs_exist_ok=True)
    return dest


def cert(k, name):
    return k.path(f"certs/{name}.pem")


def register_cert(k, customer, name, now=T0, op="alice"):
    return k.ok("eshield", "register", "--customer", customer, "--certificate", cert(k, name), op=op, now=now,
                json=True)


def openssl(*args):
    p = subprocess.run(["openssl", *args], capture_output=True)
    expect(p.returncode == 0, f"openssl {' '.join(args)} failed: {p.stderr.decode(errors='replace')}")
    return p.stdout


def challenge(k, customer="C000001", purpose=None, now=T0):
    """eshield challenge --out FILE; checks that FILE holds exactly the bytes whose base64 is
    to_sign and returns (json, path of the bytes)."""
    out = k.path(f"challenge-{customer}-{len(os.listdir(k.dir))}.bin")
    args = ["eshield", "challenge", "--customer", customer, "--out", out] + (["--purpose", purpose] if purpose else [])
    r = k.ok(*args, op="alice", now=now, json=True)
    expect_eq(set(r.json) >= {"id", "to_sign", "expires_at"}, True, "challenge JSON fields", r)
    with open(out, "rb") as f:
        raw = f.read()
    expect_eq(raw, base64.b64decode(r.json["to_sign"], validate=True), "--out holds exactly the bytes of to_sign", r)
    expect(len(raw) > 0, "something to sign", r)
    return r.json, out


def sign(k, data, key, pss=False, b64=False, name=None):
    """Signs the file `data` with certs/KEY.key as the README says; returns the signature file."""
    sig = k.path(name or f"{os.path.basename(data)}.{key}{'.pss' if pss else ''}.sig")
    keyfile = k.path(f"certs/{key}.key")
    if key == "sm2":
        openssl("dgst", "-sm3", "-sign", keyfile, "-sigopt", "distid:1234567812345678", "-out", sig, data)
    else:
        openssl("dgst", "-sha256", "-sign", keyfile, *(["-sigopt", "rsa_padding_mode:pss"] if pss else []),
                "-out", sig, data)
    if b64:
        openssl("base64", "-in", sig, "-out", sig + ".b64")  # wrapped at 64 columns, as openssl writes
        return sig + ".b64"
    return sig


def reset_txn(k, customer, challenge_id, signature, pin=NEW_PIN, confirm=None, now=T0, account=None, json=False):
    account = account or CUSTOMERS[customer]["account"]
    return k.run("reset-txn", "--customer", customer, "--account", account, "--eshield-challenge", challenge_id,
                 "--eshield-signature", signature, "--password-stdin", op="alice", now=now, json=json,
                 stdin=f"{pin}\n{pin if confirm is None else confirm}\n")


def txn_ok(k, customer, pin, now=T0):
    r = k.run("txn", "verify", "--customer", customer, "--account", CUSTOMERS[customer]["account"],
              "--password-stdin", op="alice", now=now, stdin=pin + "\n")
    return r.code == 0


def audit(k):
    return k.ok("audit", "list", json=True).json


def refused(k, command):
    return [e for e in audit(k) if e["command"] == command and e["outcome"] == "refused"]


def fingerprint(path):
    out = openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256").decode()
    return out.strip().split("=", 1)[1].replace(":", "").lower()


# --- registration ---

def test_register_each_key_type_prints_its_fingerprint(k):
    setup(k, register=False)
    for cid, name, key_type in [("C000001", "rsa", "rsa"), ("C000002", "ecdsa", "ecdsa-p256"),
                                ("C000003", "sm2", "sm2")]:
        r = register_cert(k, cid, name)
        expect_eq(r.json["customer"], cid, "customer", r)
        expect_eq(r.json["fingerprint"], fingerprint(cert(k, name)), "SHA-256 fingerprint of the DER", r)
        expect_eq(r.json["key_type"], key_type, "key type", r)
        expect_in(cid, r.json["subject"], "subject", r)
        r = k.ok("eshield", "register", "--customer", cid, "--certificate", cert(k, name), op="alice", now=T0)
        expect_in(fingerprint(cert(k, name)), r.out, "the table output prints the fingerprint", r)
    entries = [e for e in audit(k) if e["command"] == "eshield register" and e["outcome"] == "ok"]
    expect_eq(len(entries), 6, "each registration audited")
    expect_eq(entries[-1]["details"]["replaced"], fingerprint(cert(k, "sm2")), "a re-registration names what it replaced")
    dump = k.dump()
    expect_in("[customer.eshield]", dump, "the dump holds the e-shields")


def test_register_refusals_change_nothing(k):
    setup(k, register=False)
    register_cert(k, "C000001", "rsa")
    before, audited = k.dump(), len(refused(k, "eshield register"))

    def reg(customer, path, op="alice", now=T0):
        return k.run("eshield", "register", "--customer", customer, "--certificate", path, op=op, now=now, json=True)

    expect_error(reg("C000002", cert(k, "expired")), 77, "certificate-expired", "2021")
    expect_error(reg("C000002", cert(k, "rsa1024")), 65, "invalid-certificate", "1024")
    expect_error(reg("C000002", k.path("certs/nothing.pem")), 66, "no-input", "nothing.pem")
    expect_error(reg("C000002", k.path("certs/rsa.key")), 65, "invalid-certificate")  # a key, not a certificate
    expect_error(reg("C000002", cert(k, "ecdsa"), op="bob"), 77, "permission", "operator")
    expect_error(reg("C000002", cert(k, "ecdsa"), op="carol"), 77, "permission", "operator")
    expect_error(reg("C009999", cert(k, "ecdsa")), 67, "not-found")
    # Not yet valid at the effective now: the ECDSA certificate starts on 2025-01-01.
    expect_error(reg("C000002", cert(k, "ecdsa"), now="2024-12-31T23:59:59+00:00"), 77, "certificate-not-yet-valid")
    expect_eq(k.dump(), before, "refused registrations change nothing")
    slugs = [e["details"]["error"] for e in refused(k, "eshield register")[audited:]]
    for slug in ("certificate-expired", "invalid-certificate", "permission", "certificate-not-yet-valid"):
        expect_in(slug, slugs, "refusals are audited")
    # The expired certificate was valid in 2020: the rule is the effective now, not the wall clock.
    r = register_cert(k, "C000002", "expired", now="2020-06-01T12:00:00+08:00")
    expect_eq(r.json["fingerprint"], fingerprint(cert(k, "expired")), "registered while it was valid", r)
    # ... but once it has expired it proves nothing: no challenge is issued for it.
    r = k.run("eshield", "challenge", "--customer", "C000002", op="alice", now=T0, json=True)
    expect_error(r, 77, "certificate-expired")


def test_register_against_the_configured_ca_bundle(k):
    copy_certs(k)
    setup(k, config=f'[policy.eshield]\nca_bundle = "{k.path("certs/other-ca.pem")}"\n', register=False)
    before = k.dump()
    for cid, name in [("C000001", "rsa"), ("C000002", "ecdsa"), ("C000003", "sm2")]:
        r = k.run("eshield", "register", "--customer", cid, "--certificate", cert(k, name), op="alice", now=T0,
                  json=True)
        expect_error(r, 77, "certificate-untrusted")
    expect_eq(k.dump(), before, "untrusted certificates are not registered")
    # The test CA issued the RSA and ECDSA certificates, not the SM2 one.
    k.write_config(FAST + f'[policy.eshield]\nca_bundle = "{k.path("certs/ca.pem")}"\n')
    register_cert(k, "C000001", "rsa")
    register_cert(k, "C000002", "ecdsa")
    expect_error(k.run("eshield", "register", "--customer", "C000003", "--certificate", cert(k, "sm2"), op="alice",
                       now=T0), 77, "certificate-untrusted")
    k.write_config(FAST + f'[policy.eshield]\nca_bundle = "{k.path("certs/sm2-ca.pem")}"\n')
    register_cert(k, "C000003", "sm2")
    # A bundle of both CAs trusts all three.
    k.write_config(FAST + f'[policy.eshield]\nca_bundle = "{k.path("certs/ca-bundle.pem")}"\n')
    for cid, c in CUSTOMERS.items():
        register_cert(k, cid, c["key"])
    ch, data = challenge(k, "C000003", "reset-txn")
    kltest.expect_ok(reset_txn(k, "C000003", ch["id"], sign(k, data, "sm2")))
    # The chain is checked again when the e-shield is used: a bundle that no longer trusts
    # the issuer stops its challenges.
    k.write_config(FAST + f'[policy.eshield]\nca_bundle = "{k.path("certs/other-ca.pem")}"\n')
    expect_error(k.run("eshield", "challenge", "--customer", "C000001", op="alice", now=T0), 77,
                 "certificate-untrusted")


# --- challenges ---

def test_challenge_json_ttl_and_out_file(k):
    setup(k)
    r = k.ok("eshield", "challenge", "--customer", "C000001", op="alice", now=T0, json=True)
    expect_eq(r.json["expires_at"], "2026-03-06T10:05:00+08:00", "valid 5 minutes", r)
    raw = base64.b64decode(r.json["to_sign"], validate=True)
    expect_in(b"C000001", raw, "the bytes name the customer")
    expect_in(r.json["id"].encode(), raw, "the bytes name the challenge")
    r2 = k.ok("eshield", "challenge", "--customer", "C000001", op="alice", now=T0, json=True)
    expect(r2.json["id"] != r.json["id"] and r2.json["to_sign"] != r.json["to_sign"], "every challenge is new", r2)
    ch, data = challenge(k, "C000002", "change-phone")
    expect_eq(ch["expires_at"], "2026-03-06T10:05:00+08:00", "valid 5 minutes, with --out too")
    with open(data, "rb") as f:
        expect_in(b"change-phone", f.read(), "the purpose is part of what is signed")
    # The table output prints the id and the bytes to sign.
    r = k.ok("eshield", "challenge", "--customer", "C000003", op="alice", now=T0)
    expect_in("ES", r.out, "the challenge id", r)
    expect_error(k.run("eshield", "challenge", "--customer", "C000001", op="bob", now=T0), 77, "permission")
    expect_error(k.run("eshield", "challenge", "--customer", "C000001", "--purpose", "token", op="alice", now=T0),
                 64, "usage")
    expect_error(k.run("eshield", "challenge", "--customer", "C009999", op="alice", now=T0), 67, "not-found")
    # An --out that cannot be written is refused before a challenge is issued.
    issued = len([e for e in audit(k) if e["command"] == "eshield challenge"])
    expect_error(k.run("eshield", "challenge", "--customer", "C000001", "--out", k.path("no/such/dir/c.bin"),
                       op="alice", now=T0), 74, "io", "no/such/dir/c.bin")
    expect_eq(len([e for e in audit(k) if e["command"] == "eshield challenge"]), issued, "no challenge issued")
    k.write_config(FAST + "[policy.eshield]\nchallenge_ttl_seconds = 60\n")
    r = k.ok("eshield", "challenge", "--customer", "C000001", op="alice", now=T0, json=True)
    expect_eq(r.json["expires_at"], "2026-03-06T10:01:00+08:00", "policy.eshield.challenge_ttl_seconds", r)


def test_challenge_for_a_customer_without_an_eshield(k):
    setup(k, register=False)
    before = k.dump()
    expect_error(k.run("eshield", "challenge", "--customer", "C000001", op="alice", now=T0, json=True), 67,
                 "not-found", "e-shield")
    expect_eq(k.dump(), before, "nothing changed")


# --- the transaction-password reset ---

def test_reset_txn_with_each_key_and_signature_encoding(k):
    setup(k)
    k.write_config(FAST + "[policy.otp]\nresend_seconds = 0\n")
    cases = [("C000001", "rsa", False, False), ("C000001", "rsa", True, False), ("C000001", "rsa", False, True),
             ("C000001", "rsa", True, True), ("C000002", "ecdsa", False, False), ("C000002", "ecdsa", False, True),
             ("C000003", "sm2", False, False), ("C000003", "sm2", False, True)]
    pins = ["502983", "618204", "730415", "841526", "952637", "163748", "274859", "385960"]
    current = {cid: "739182" for cid in CUSTOMERS}
    for i, ((cid, key, pss, b64), pin) in enumerate(zip(cases, pins)):
        now = at(T0, 10 * i)
        ch, data = challenge(k, cid, "reset-txn" if i % 2 else None, now=now)
        sig = sign(k, data, key, pss=pss, b64=b64)
        r = reset_txn(k, cid, ch["id"], sig, pin=pin, now=now, json=True)
        what = f"{key}{' pss' if pss else ''}{' base64' if b64 else ''}"
        kltest.expect_ok(r)
        expect_eq((r.json["path"], r.json["effective"]), ("eshield", True), f"{what}: effective at once", r)
        expect_not_in(pin, r.out + r.err, "the new password is not echoed", r)
        expect(txn_ok(k, cid, pin, now), f"{what}: the new transaction password works")
        expect(not txn_ok(k, cid, current[cid], now), f"{what}: the old one no longer does")
        current[cid] = pin
    pending = k.ok("notify", "list", "--state", "pending", op="alice", json=True).json
    expect_eq(len([m for m in pending if m["template"] == "txn_password_changed"]), len(cases),
              "one notification per reset")
    oks = [e for e in audit(k) if e["command"] == "reset-txn" and e["outcome"] == "ok"]
    expect_eq([e["details"]["path"] for e in oks], ["eshield"] * len(cases), "audited as the e-shield path")
    expect(not any(pin in str(e) for e in audit(k) for pin in pins), "no password in the audit log")
    expect_eq(k.ok("review", "list", json=True, op="bob").json, [], "no review case")


def test_reset_txn_unlocks_a_locked_account(k):
    setup(k)
    for _ in range(6):
        txn_ok(k, "C000001", "000000")
    acct = k.ok("customer", "show", "C000001", json=True).json["accounts"][0]
    expect_eq(acct["txn_locked"], True, "locked after 6 wrong passwords")
    ch, data = challenge(k, "C000001", "reset-txn")
    kltest.expect_ok(reset_txn(k, "C000001", ch["id"], sign(k, data, "rsa")))
    acct = k.ok("customer", "show", "C000001", json=True).json["accounts"][0]
    expect_eq(acct["txn_locked"], False, "a reset unlocks the account")
    expect(txn_ok(k, "C000001", NEW_PIN), "the new password works")


def test_signature_refusals(k):
    setup(k)
    before = k.dump()
    audited = len(refused(k, "reset-txn"))
    expected_slugs = []

    def refuse(r, code, slug, *fragments):
        expect_error(r, code, slug, *fragments)
        expected_slugs.append(slug)

    # A signature by a key that is not the certificate's.
    ch, data = challenge(k)
    refuse(reset_txn(k, "C000001", ch["id"], sign(k, data, "other"), json=True), 77, "signature-invalid")
    # ... used the challenge up: the right signature now comes too late.
    refuse(reset_txn(k, "C000001", ch["id"], sign(k, data, "rsa")), 77, "challenge-used")
    # A right key over data that differs in one byte.
    ch, data = challenge(k)
    with open(data, "rb") as f:
        tampered = bytearray(f.read())
    tampered[len(tampered) // 2] ^= 0x01
    forged = k.write_bytes("tampered.bin", bytes(tampered))
    refuse(reset_txn(k, "C000001", ch["id"], sign(k, forged, "rsa")), 77, "signature-invalid")
    # Another key type's valid-looking signature (ECDSA key, RSA certificate).
    ch, data = challenge(k)
    refuse(reset_txn(k, "C000001", ch["id"], sign(k, data, "ecdsa", b64=True)), 77, "signature-invalid")
    # The right keys under the wrong scheme: RSA over SHA-1; SM2 with OpenSSL's empty signer
    # identity instead of the GM/T 0009 default one.
    ch, data = challenge(k)
    openssl("dgst", "-sha1", "-sign", k.path("certs/rsa.key"), "-out", k.path("sha1.sig"), data)
    refuse(reset_txn(k, "C000001", ch["id"], k.path("sha1.sig")), 77, "signature-invalid")
    ch3, data3 = challenge(k, "C000003")
    openssl("dgst", "-sm3", "-sign", k.path("certs/sm2.key"), "-out", k.path("sm2-noid.sig"), data3)
    r = reset_txn(k, "C000003", ch3["id"], k.path("sm2-noid.sig"))
    expect_error(r, 77, "signature-invalid")
    # Garbage and an empty file are wrong signatures, not crashes.
    ch, data = challenge(k)
    refuse(reset_txn(k, "C000001", ch["id"], k.write_bytes("garbage.sig", os.urandom(256))), 77, "signature-invalid")
    ch, data = challenge(k)
    refuse(reset_txn(k, "C000001", ch["id"], k.write_bytes("empty.sig", b"")), 77, "signature-invalid")
    # A challenge used successfully cannot be used again.
    ch, data = challenge(k)
    sig = sign(k, data, "rsa")
    kltest.expect_ok(reset_txn(k, "C000001", ch["id"], sig))
    after_reset = k.dump()
    refuse(reset_txn(k, "C000001", ch["id"], sig, pin="618204"), 77, "challenge-used")
    expect(txn_ok(k, "C000001", NEW_PIN), "the replay changed nothing")
    expect_eq(k.dump(), after_reset, "refusals change nothing (apart from the audit log)")
    expect(before != after_reset, "the successful reset did change the store")
    # An unknown challenge id.
    refuse(reset_txn(k, "C000001", "ES00000000000000000000", sig), 77, "challenge-invalid")
    slugs = [e["details"]["error"] for e in refused(k, "reset-txn")[audited:] if e["customer"] == "C000001"]
    expect_eq(slugs, expected_slugs, "every refusal audited with its slug")
    expect(txn_ok(k, "C000003", "739182"), "C000003 unchanged")


def test_challenge_expires_after_five_minutes(k):
    setup(k)
    ch, data = challenge(k)
    sig = sign(k, data, "rsa")
    before = k.dump()
    r = reset_txn(k, "C000001", ch["id"], sig, now=at(T0, 300), json=True)
    expect_error(r, 77, "challenge-expired", "2026-03-06T10:05:00+08:00")
    expect_eq(k.dump(), before, "nothing changed")
    expect(txn_ok(k, "C000001", "739182"), "the old password still works")
    ch, data = challenge(k)
    kltest.expect_ok(reset_txn(k, "C000001", ch["id"], sign(k, data, "rsa"), now=at(T0, 299)))  # the last second


def test_another_customers_challenge_is_invalid(k):
    setup(k)
    ch2, data2 = challenge(k, "C000002")
    # C000001 signs C000002's challenge with C000001's own key: still not C000001's challenge.
    r = reset_txn(k, "C000001", ch2["id"], sign(k, data2, "rsa"), json=True)
    expect_error(r, 77, "challenge-invalid")
    expect_not_in("C000002", r.err, "the refusal does not reveal whose challenge it is", r)
    # It was not used up: C000002 can still use it.
    kltest.expect_ok(reset_txn(k, "C000002", ch2["id"], sign(k, data2, "ecdsa")))
    expect(txn_ok(k, "C000001", "739182"), "C000001 unchanged")


def test_challenge_purpose_binds_it(k):
    setup(k)
    ch, data = challenge(k, purpose="change-phone")
    r = reset_txn(k, "C000001", ch["id"], sign(k, data, "rsa"))
    expect_error(r, 77, "challenge-invalid", "change-phone")
    expect(txn_ok(k, "C000001", "739182"), "unchanged")


def test_missing_signature_file_and_other_input_errors(k):
    setup(k)
    ch, data = challenge(k)
    before = k.dump()
    expect_error(reset_txn(k, "C000001", ch["id"], k.path("no-such.sig"), json=True), 66, "no-input", "no-such.sig")
    expect_error(reset_txn(k, "C000001", ch["id"], k.dir), 66, "no-input")  # a directory
    sig = sign(k, data, "rsa")
    expect_error(reset_txn(k, "C000001", ch["id"], sig, pin="502983", confirm="502984"), 65, "confirmation-mismatch")
    expect_error(reset_txn(k, "C000001", ch["id"], sig, pin="123456"), 65, "weak-password")
    expect_error(reset_txn(k, "C000001", ch["id"], sig, pin="491231"), 65, "weak-password")  # birth date
    expect_error(reset_txn(k, "C000001", ch["id"], sig, account="6222020200000010005"), 67, "not-found")
    expect_error(reset_txn(k, "C000001", ch["id"], sig, account=CUSTOMERS["C000002"]["account"]), 67, "not-found")
    expect_eq(k.dump(), before, "nothing changed")
    # None of those used the challenge up: it still works.
    kltest.expect_ok(reset_txn(k, "C000001", ch["id"], sig))
    expect(txn_ok(k, "C000001", NEW_PIN), "reset")


def test_reset_txn_usage(k):
    setup(k)
    ch, data = challenge(k)
    sig = sign(k, data, "rsa")
    acct = CUSTOMERS["C000001"]["account"]
    base = ["reset-txn", "--customer", "C000001", "--account", acct]
    for extra in (["--eshield-challenge", ch["id"]], ["--eshield-signature", sig],
                  ["--eshield-challenge", ch["id"], "--eshield-signature", sig, "--modify", "--otp", "123456"],
                  ["--eshield-challenge", ch["id"], "--eshield-signature", sig, "--face", "pass"],
                  ["--eshield-challenge", ch["id"], "--eshield-signature", sig, "--otp", "123456"],
                  ["--eshield-challenge", ch["id"], "--eshield-signature", sig, "--id-front", data]):
        expect_error(k.run(*base, *extra, "--password-stdin", op="alice", now=T0, stdin="502983\n502983\n"),
                     64, "usage")
    # Without --password-stdin and without a terminal.
    expect_error(k.run(*base, "--eshield-challenge", ch["id"], "--eshield-signature", sig, op="alice", now=T0),
                 64, "usage")
    expect_error(k.run(*base, "--eshield-challenge", ch["id"], "--eshield-signature", sig, "--password-stdin",
                       op="bob", now=T0, stdin="502983\n502983\n"), 77, "permission")
    kltest.expect_ok(reset_txn(k, "C000001", ch["id"], sig))  # the challenge survived all of that


def test_fixture_certificates_are_relative_to_the_fixture_file(k):
    k.write_config(FAST)
    k.init()
    copy_certs(k, "fx/keys")
    path = k.write("fx/bank.toml", fixture({"C000001": "keys/rsa.pem", "C000002": "keys/ecdsa.pem",
                                            "C000003": "keys/sm2.pem"}))
    expect(not os.path.exists(k.path("keys")), "no keys/ beside the working directory")
    k.ok("fixtures", "load", path)
    dump = k.dump()
    expect_eq(dump.count("[customer.eshield]"), 3, "three e-shields loaded")
    k.ok("fixtures", "load", path)  # the same records again: nothing changes
    expect_eq(k.dump(), dump, "reloading changes nothing")
    for cid, c in CUSTOMERS.items():
        copy_certs(k)
        ch, data = challenge(k, cid, "reset-txn")
        kltest.expect_ok(reset_txn(k, cid, ch["id"], sign(k, data, c["key"], b64=True)))
    # The loader applies the registration's key rule: an RSA-1024 certificate is refused.
    weak = k.write("fx/weak.toml", f'''
[[customer]]
id = "C000009"
name = "陈静"
id_type = "resident-id"
id_number = "{kltest.resident_id("11010519800101009")}"
phone = "+8613800009999"
login_password = "Kunlun2026!"

  [customer.eshield]
  certificate = "keys/rsa1024.pem"
''')
    before = k.dump()
    r = k.run("fixtures", "load", weak)
    expect(r.code == 65, "an RSA-1024 certificate in a fixture is refused", r)
    expect_eq(k.dump(), before, "nothing loaded")


if __name__ == "__main__":
    kltest.main(globals())
