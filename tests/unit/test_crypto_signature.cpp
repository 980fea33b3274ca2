#include "crypto/signature.h"

#include "crypto/certificate.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

using namespace kunlun;
using test::error_from;
using test::TempDir;
using test::utc;
namespace fs = std::filesystem;

// The test certificates come from scripts/make-test-certs (see fixtures/certs/README.md);
// signatures are made afresh with the `openssl` command, as a customer's tools would.

namespace {

const fs::path certs_dir = fs::path(KUNLUN_SOURCE_DIR) / "fixtures" / "certs";

std::string cert(const std::string& name) { return test::file_bytes(certs_dir / name); }

std::vector<unsigned char> bytes_in(const fs::path& path) {
    const std::string text = test::file_bytes(path);
    return {text.begin(), text.end()};
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

void run(const std::string& command) {
    INFO("command: " << command);
    REQUIRE(std::system((command + " >/dev/null 2>&1").c_str()) == 0);
}

// A scratch directory holding random data, and signatures over it by the fixture keys.
class Signing {
public:
    Signing() : data_(random_bytes(777)) { dir_.write("data", test::text_of(data_)); }

    [[nodiscard]] const std::vector<unsigned char>& data() const { return data_; }

    // The raw signature file `openssl dgst OPTIONS -sign KEY` writes.
    std::vector<unsigned char> sign(const std::string& key, const std::string& options) {
        const fs::path out = next_file();
        run(fmt::format("openssl dgst {} -sign {} -out {} {}", options, quoted(certs_dir / key), quoted(out),
                        quoted(dir_.file("data"))));
        return bytes_in(out);
    }

    // The same signature as `openssl base64` writes it: text wrapped at 64 columns.
    std::vector<unsigned char> base64_file(const std::vector<unsigned char>& signature) {
        const fs::path raw = next_file();
        const fs::path text = next_file();
        dir_.write(raw.filename().string(), test::text_of(signature));
        run(fmt::format("openssl base64 -in {} -out {}", quoted(raw), quoted(text)));
        return bytes_in(text);
    }

    [[nodiscard]] const TempDir& dir() const { return dir_; }

private:
    fs::path next_file() { return dir_.file(fmt::format("file-{}", count_++)); }

    TempDir dir_;
    std::vector<unsigned char> data_;
    int count_ = 0;
};

constexpr const char* sha256 = "-sha256";
constexpr const char* sm2_options = "-sm3 -sigopt distid:1234567812345678";

// The DER inside a PEM certificate, and back: for certificates altered byte by byte.
std::vector<unsigned char> der_of(const std::string& pem) {
    const auto begin = pem.find('\n', pem.find("-----BEGIN CERTIFICATE-----"));
    const auto end = pem.find("-----END CERTIFICATE-----");
    return base64_decode(pem.substr(begin + 1, end - begin - 1));
}

std::string pem_of(const std::vector<unsigned char>& der) {
    const std::string body = base64_encode(der);
    std::string pem = "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < body.size(); i += 64) pem += body.substr(i, 64) + "\n";
    return pem + "-----END CERTIFICATE-----\n";
}

void check_error(const Error& e, Exit exit, const std::string& slug) {
    INFO("message: " << e.what());
    CHECK(e.exit() == exit);
    CHECK(e.slug() == slug);
}

}  // namespace

// --- certificates ---

TEST_CASE("inspect_certificate reports each accepted key type", "[crypto][eshield]") {
    struct Case {
        const char* file;
        const char* key_type;
        int bits;
        const char* subject;
    };
    const std::vector<Case> cases{
        {"rsa.pem", "rsa", 2048, "CN=C000001 Zhang Wei, O=Bank of Kunlun test"},
        {"ecdsa.pem", "ecdsa-p256", 256, "CN=C000002 Li Na, O=Bank of Kunlun test"},
        {"sm2.pem", "sm2", 256, "CN=C000003 Wang Fang, O=Bank of Kunlun test"},
    };
    for (const Case& c : cases) {
        INFO(c.file);
        const CertificateInfo info = inspect_certificate(cert(c.file));
        CHECK(info.key_type == c.key_type);
        CHECK(info.key_bits == c.bits);
        CHECK(info.subject == c.subject);
        // scripts/make-test-certs issues them for 2025-01-01 through 2045-01-01.
        CHECK(info.not_before == utc(2025, 1, 1));
        CHECK(info.not_after == utc(2045, 1, 1));
        CHECK(info.fingerprint == certificate_fingerprint(cert(c.file)));
    }
}

TEST_CASE("Certificate fingerprints are SHA-256 of the DER, as openssl prints them", "[crypto][eshield]") {
    TempDir dir;
    const fs::path out = dir.file("fingerprint");
    run(fmt::format("openssl x509 -in {} -noout -fingerprint -sha256 -out {}", quoted(certs_dir / "ecdsa.pem"),
                    quoted(out)));
    // "sha256 Fingerprint=AB:CD:..." -> "abcd..."
    std::string expected = test::file_bytes(out);
    expected = expected.substr(expected.find('=') + 1);
    expected.erase(std::remove_if(expected.begin(), expected.end(), [](char c) { return c == ':' || c == '\n'; }),
                   expected.end());
    std::transform(expected.begin(), expected.end(), expected.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    CHECK(certificate_fingerprint(cert("ecdsa.pem")) == expected);
}

TEST_CASE("RSA keys under 2048 bits are refused", "[crypto][eshield]") {
    const Error e = error_from([] { inspect_certificate(cert("rsa1024.pem")); });
    check_error(e, Exit::data, "invalid-certificate");
    CHECK(test::contains(e.what(), "1024"));
    CHECK(test::contains(e.what(), "2048"));
}

TEST_CASE("Keys of other types and curves are refused, naming what was found", "[crypto][eshield]") {
    TempDir dir;
    struct Case {
        const char* algorithm;
        const char* named;
    };
    const std::vector<Case> cases{
        {"-newkey ec -pkeyopt ec_paramgen_curve:P-384", "secp384r1"},
        {"-newkey ed25519", "ED25519"},
    };
    for (const Case& c : cases) {
        INFO(c.algorithm);
        run(fmt::format("openssl req -x509 {} -nodes -keyout {} -out {} -subj /CN=test -days 1", c.algorithm,
                        quoted(dir.file("key")), quoted(dir.file("cert"))));
        const Error e = error_from([&] { inspect_certificate(test::file_bytes(dir.file("cert"))); });
        check_error(e, Exit::data, "invalid-certificate");
        CHECK(test::contains(e.what(), c.named));
        CHECK(test::contains(e.what(), "P-256"));
    }
}

TEST_CASE("Anything but one PEM certificate is refused", "[crypto][eshield]") {
    for (const std::string& bad :
         {std::string(), std::string("not a certificate"), cert("rsa.key"), cert("ca-bundle.pem")}) {
        INFO(bad.substr(0, 40));
        check_error(error_from([&] { inspect_certificate(bad); }), Exit::data, "invalid-certificate");
        check_error(error_from([&] { certificate_fingerprint(bad); }), Exit::data, "invalid-certificate");
        check_error(error_from([&] { check_certificate_valid_at(bad, utc(2026, 1, 1)); }), Exit::data,
                    "invalid-certificate");
    }
}

TEST_CASE("Validity dates include both ends", "[crypto][eshield]") {
    const std::string expired = cert("expired.pem");  // 2020-01-01 through 2021-01-01
    check_certificate_valid_at(expired, utc(2020, 6, 1));
    check_certificate_valid_at(expired, utc(2020, 1, 1));
    check_certificate_valid_at(expired, utc(2021, 1, 1));

    const Error late = error_from([&] { check_certificate_valid_at(expired, utc(2026, 3, 1)); });
    check_error(late, Exit::refused, "certificate-expired");
    CHECK(test::contains(late.what(), "2021-01-01T00:00:00Z"));
    CHECK(test::contains(late.what(), "2026-03-01T00:00:00Z"));
    check_error(error_from([&] { check_certificate_valid_at(expired, utc(2021, 1, 1, 0, 0, 1)); }),
                Exit::refused, "certificate-expired");

    const Error early = error_from([&] { check_certificate_valid_at(cert("rsa.pem"), utc(2024, 12, 31, 23, 59, 59)); });
    check_error(early, Exit::refused, "certificate-not-yet-valid");
    CHECK(test::contains(early.what(), "2025-01-01T00:00:00Z"));
    // The date check does not judge the key: the weak certificate's dates are fine.
    check_certificate_valid_at(cert("rsa1024.pem"), utc(2026, 1, 1));
}

TEST_CASE("Certificates chain to the CA that issued them", "[crypto][eshield]") {
    const fs::path ca = certs_dir / "ca.pem";
    const fs::path sm2_ca = certs_dir / "sm2-ca.pem";
    const fs::path bundle = certs_dir / "ca-bundle.pem";
    const auto now = utc(2026, 3, 1);
    check_certificate_chain(cert("rsa.pem"), ca, now);
    check_certificate_chain(cert("ecdsa.pem"), ca, now);
    // Signed SM2-with-SM3 under the GM/T 0009 default identity.
    check_certificate_chain(cert("sm2.pem"), sm2_ca, now);
    for (const char* file : {"rsa.pem", "ecdsa.pem", "sm2.pem"}) {
        INFO(file << " against the bundle of both CAs");
        check_certificate_chain(cert(file), bundle, now);
    }
    // The expired certificate was properly issued: it chains while it is valid.
    check_certificate_chain(cert("expired.pem"), ca, utc(2020, 6, 1));
}

TEST_CASE("Certificates from another issuer are untrusted", "[crypto][eshield]") {
    const auto now = utc(2026, 3, 1);
    for (const char* file : {"rsa.pem", "ecdsa.pem", "sm2.pem"}) {
        INFO(file);
        const Error e = error_from([&] { check_certificate_chain(cert(file), certs_dir / "other-ca.pem", now); });
        check_error(e, Exit::refused, "certificate-untrusted");
        CHECK(test::contains(e.what(), "unable to get local issuer certificate"));
    }
    // A customer certificate is no CA, and the RSA and SM2 CAs do not vouch for each other.
    check_error(error_from([&] { check_certificate_chain(cert("rsa.pem"), certs_dir / "expired.pem", now); }),
                Exit::refused, "certificate-untrusted");
    check_error(error_from([&] { check_certificate_chain(cert("sm2.pem"), certs_dir / "ca.pem", now); }),
                Exit::refused, "certificate-untrusted");
    check_error(error_from([&] { check_certificate_chain(cert("rsa.pem"), certs_dir / "sm2-ca.pem", now); }),
                Exit::refused, "certificate-untrusted");
}

TEST_CASE("A certificate whose CA signature was altered is untrusted", "[crypto][eshield]") {
    // The last DER byte is the last byte of the CA's signature: ECDSA-with-SHA256 for the
    // customer certificates of ca.pem, SM2-with-SM3 for sm2.pem. This shows the SM2 signature
    // in the chain is really checked, not skipped.
    const auto now = utc(2026, 3, 1);
    for (const char* file : {"rsa.pem", "sm2.pem"}) {
        INFO(file);
        std::vector<unsigned char> der = der_of(cert(file));
        der.back() ^= 0x01;
        const Error e = error_from([&] { check_certificate_chain(pem_of(der), certs_dir / "ca-bundle.pem", now); });
        check_error(e, Exit::refused, "certificate-untrusted");
        CHECK(test::contains(e.what(), "signature"));
    }
}

TEST_CASE("Chain checks judge the customer's certificate dates at the given time", "[crypto][eshield]") {
    check_error(error_from([] { check_certificate_chain(cert("expired.pem"), certs_dir / "ca.pem", utc(2026, 3, 1)); }),
                Exit::refused, "certificate-expired");
    check_error(error_from([] { check_certificate_chain(cert("rsa.pem"), certs_dir / "ca.pem", utc(2024, 6, 1)); }),
                Exit::refused, "certificate-not-yet-valid");
}

TEST_CASE("A CA bundle that cannot be used is a configuration error", "[crypto][eshield]") {
    TempDir dir;
    const auto now = utc(2026, 3, 1);
    check_error(error_from([&] { check_certificate_chain(cert("rsa.pem"), dir.file("missing.pem"), now); }),
                Exit::config, "config");
    const fs::path empty = dir.write("empty.pem", "no certificates here\n");
    check_error(error_from([&] { check_certificate_chain(cert("rsa.pem"), empty, now); }), Exit::config, "config");
    check_error(error_from([&] { check_certificate_chain(cert("rsa.pem"), dir.path(), now); }), Exit::config,
                "config");
}

// --- signatures ---

TEST_CASE("Signatures by each key type verify, raw and in base64", "[crypto][eshield]") {
    struct Case {
        const char* cert;
        const char* key;
        const char* options;
    };
    const std::vector<Case> cases{
        {"rsa.pem", "rsa.key", sha256},
        {"ecdsa.pem", "ecdsa.key", sha256},
        {"sm2.pem", "sm2.key", sm2_options},
    };
    Signing signing;
    for (const Case& c : cases) {
        INFO(c.cert);
        const std::vector<unsigned char> raw = signing.sign(c.key, c.options);
        CHECK(decode_signature_file(raw) == raw);
        CHECK(verify_signature(cert(c.cert), signing.data(), decode_signature_file(raw)));

        const std::vector<unsigned char> text = signing.base64_file(raw);
        CHECK(text != raw);
        CHECK(decode_signature_file(text) == raw);
        CHECK(verify_signature(cert(c.cert), signing.data(), decode_signature_file(text)));
    }
}

TEST_CASE("Altered data or signatures are refused", "[crypto][eshield]") {
    Signing signing;
    for (const auto& [file, key, options] : {std::tuple{"rsa.pem", "rsa.key", sha256},
                                             std::tuple{"ecdsa.pem", "ecdsa.key", sha256},
                                             std::tuple{"sm2.pem", "sm2.key", sm2_options}}) {
        INFO(file);
        const std::vector<unsigned char> signature = signing.sign(key, options);
        REQUIRE(verify_signature(cert(file), signing.data(), signature));

        std::vector<unsigned char> data = signing.data();
        data[data.size() / 2] ^= 0x20;
        CHECK_FALSE(verify_signature(cert(file), data, signature));
        data = signing.data();
        data.push_back(0);
        CHECK_FALSE(verify_signature(cert(file), data, signature));

        std::vector<unsigned char> altered = signature;
        altered[altered.size() - 1] ^= 0x01;
        CHECK_FALSE(verify_signature(cert(file), signing.data(), altered));
        CHECK_FALSE(verify_signature(cert(file), signing.data(), {}));
        CHECK_FALSE(verify_signature(cert(file), signing.data(), bytes_of("not a signature")));
    }
}

TEST_CASE("A signature by another key is refused", "[crypto][eshield]") {
    Signing signing;
    CHECK_FALSE(verify_signature(cert("rsa.pem"), signing.data(), signing.sign("other.key", sha256)));
    // Keys of another type: an ECDSA signature is not an RSA one, and SM2 is not ECDSA.
    CHECK_FALSE(verify_signature(cert("rsa.pem"), signing.data(), signing.sign("ecdsa.key", sha256)));
    CHECK_FALSE(verify_signature(cert("ecdsa.pem"), signing.data(), signing.sign("sm2.key", sm2_options)));
    CHECK_FALSE(verify_signature(cert("sm2.pem"), signing.data(), signing.sign("ecdsa.key", sha256)));
}

TEST_CASE("RSA-PSS signatures with SHA-256 verify", "[crypto][eshield]") {
    Signing signing;
    for (const char* salt : {"", "-sigopt rsa_pss_saltlen:digest", "-sigopt rsa_pss_saltlen:max"}) {
        INFO("salt option '" << salt << "'");
        const auto signature = signing.sign("rsa.key", fmt::format("-sha256 -sigopt rsa_padding_mode:pss {}", salt));
        CHECK(verify_signature(cert("rsa.pem"), signing.data(), signature));
        CHECK_FALSE(verify_signature(cert("rsa.pem"), bytes_of("other data"), signature));
    }
}

TEST_CASE("Only the agreed digests are accepted", "[crypto][eshield]") {
    Signing signing;
    CHECK_FALSE(verify_signature(cert("rsa.pem"), signing.data(), signing.sign("rsa.key", "-sha1")));
    CHECK_FALSE(verify_signature(cert("ecdsa.pem"), signing.data(), signing.sign("ecdsa.key", "-sha512")));
    // (OpenSSL's SM2 signer offers SM3 only, so there is no SM2 signature over another digest.)
}

TEST_CASE("SM2 signatures must carry the default signer identity", "[crypto][eshield]") {
    Signing signing;
    REQUIRE(verify_signature(cert("sm2.pem"), signing.data(), signing.sign("sm2.key", sm2_options)));
    // OpenSSL 3.0 signs with an empty identity unless one is given: not what an e-shield does.
    CHECK_FALSE(verify_signature(cert("sm2.pem"), signing.data(), signing.sign("sm2.key", "-sm3")));
    CHECK_FALSE(verify_signature(cert("sm2.pem"), signing.data(), signing.sign("sm2.key", "-sm3 -sigopt distid:XYZ")));
}

TEST_CASE("A refused certificate verifies nothing", "[crypto][eshield]") {
    Signing signing;
    const auto signature = signing.sign("rsa1024.key", sha256);
    check_error(error_from([&] { verify_signature(cert("rsa1024.pem"), signing.data(), signature); }), Exit::data,
                "invalid-certificate");
    check_error(error_from([&] { verify_signature("garbage", signing.data(), signature); }), Exit::data,
                "invalid-certificate");
}

TEST_CASE("Signature files are raw bytes or base64 text", "[crypto][eshield]") {
    const std::vector<unsigned char> bytes{0x30, 0x45, 0x02, 0x21, 0x00, 0xff, 0x10};
    CHECK(decode_signature_file(bytes_of("MEUCIQD/EA==")) == bytes);
    CHECK(decode_signature_file(bytes_of("MEUC\r\nIQD/\nEA==\n")) == bytes);
    CHECK(decode_signature_file(bytes) == bytes);
    // Not base64 after all: kept as they are.
    for (const char* raw : {"MEUCIQD/EA=", "abc", "MEUC IQD/EA==!", "   \n"}) {
        INFO("file '" << raw << "'");
        const auto in = bytes_of(raw);
        CHECK(decode_signature_file(in) == std::vector<unsigned char>(in.begin(), in.end()));
    }
    CHECK(decode_signature_file({}).empty());
}
