#include "crypto/certificate.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/openssl_handles.h"
#include "error.h"

#include <openssl/asn1.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <array>
#include <climits>
#include <ctime>
#include <system_error>

namespace kunlun {

namespace crypto_detail {

X509Ptr read_certificate(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
        fail(Exit::data, "invalid-certificate", "the certificate file is far too large to be one certificate");
    }
    const BioPtr bio{checked(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), "opening a memory BIO")};
    X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    if (!cert) {
        ERR_clear_error();
        fail(Exit::data, "invalid-certificate", "not a PEM X.509 certificate");
    }
    // A bundle given where the customer's own certificate belongs would otherwise register
    // whichever certificate happens to come first.
    const X509Ptr another{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    ERR_clear_error();  // with one certificate the second read fails, as it should
    if (another) {
        fail(Exit::data, "invalid-certificate", "the file holds more than one certificate; give only the customer's own");
    }
    return cert;
}

}  // namespace crypto_detail

using namespace crypto_detail;
using std::chrono::sys_seconds;

namespace {

// OPENSSL_free is a macro (it records the caller's file and line), so it cannot be a Deleter.
struct OpensslFree {
    void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

std::string fingerprint_of(X509* cert) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(cert, &der);
    if (length <= 0) {
        ERR_clear_error();
        fail(Exit::data, "invalid-certificate", "the certificate cannot be encoded");
    }
    const std::unique_ptr<unsigned char, OpensslFree> owned(der);
    return to_hex(sha256(std::span<const unsigned char>(der, static_cast<std::size_t>(length))));
}

sys_seconds to_sys_seconds(const ASN1_TIME* time) {
    std::tm fields{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &fields) != 1) {
        ERR_clear_error();
        fail(Exit::data, "invalid-certificate", "the certificate's validity dates cannot be read");
    }
    using namespace std::chrono;
    const sys_days date = year{fields.tm_year + 1900} / month{static_cast<unsigned>(fields.tm_mon + 1)} /
                          day{static_cast<unsigned>(fields.tm_mday)};
    return sys_seconds{date} + hours{fields.tm_hour} + minutes{fields.tm_min} + seconds{fields.tm_sec};
}

std::string iso(sys_seconds t) {
    using namespace std::chrono;
    const sys_days date = floor<days>(t);
    const year_month_day ymd{date};
    const hh_mm_ss hms{t - date};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                       hms.minutes().count(), hms.seconds().count());
}

// Most specific first with ", " between parts; UTF-8 left unescaped so a name in Chinese
// reads as written (control characters and RFC 2253 specials are still escaped).
std::string subject_of(X509* cert) {
    const BioPtr bio{checked(BIO_new(BIO_s_mem()), "opening a memory BIO")};
    const unsigned long flags =
        (XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB) & ~XN_FLAG_SEP_MASK) |
        XN_FLAG_SEP_CPLUS_SPC;
    if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, flags) < 0) {
        fail_openssl("printing a certificate subject");
    }
    char* text = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &text);
    return size > 0 ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

constexpr std::string_view accepted_keys = "RSA of at least 2048 bits, ECDSA on P-256 or SM2";

struct KeyKind {
    std::string type;
    int bits = 0;
};

// OpenSSL 3 decodes a certificate's SM2 key either as an "SM2" key or as an "EC" key on the
// SM2 curve, depending on the version and the path taken; both are SM2 here.
KeyKind classify_key(X509* cert) {
    EVP_PKEY* key = X509_get0_pubkey(cert);
    if (key == nullptr) {
        ERR_clear_error();
        fail(Exit::data, "invalid-certificate", "the certificate's public key cannot be read; accepted: {}",
             accepted_keys);
    }
    const int bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_is_a(key, "RSA")) {
        if (bits < min_rsa_bits) {
            fail(Exit::data, "invalid-certificate", "the certificate's RSA key has {} bits, too weak; accepted: {}",
                 bits, accepted_keys);
        }
        return {"rsa", bits};
    }
    if (EVP_PKEY_is_a(key, "SM2")) return {"sm2", bits};
    if (EVP_PKEY_is_a(key, "EC")) {
        std::array<char, 80> curve{};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key, curve.data(), curve.size(), &length) != 1) {
            ERR_clear_error();
            fail(Exit::data, "invalid-certificate", "the certificate's EC key has no named curve; accepted: {}",
                 accepted_keys);
        }
        const std::string_view name(curve.data(), length);
        if (name == "prime256v1" || name == "P-256") return {"ecdsa-p256", bits};
        if (name == "SM2") return {"sm2", bits};
        fail(Exit::data, "invalid-certificate", "the certificate's EC key is on curve {}; accepted: {}", name,
             accepted_keys);
    }
    const char* type = EVP_PKEY_get0_type_name(key);
    fail(Exit::data, "invalid-certificate", "the certificate's key is of type {}; accepted: {}",
         type != nullptr ? type : "unknown", accepted_keys);
}

struct Validity {
    sys_seconds not_before;
    sys_seconds not_after;
};

Validity validity_of(X509* cert) {
    return {to_sys_seconds(X509_get0_notBefore(cert)), to_sys_seconds(X509_get0_notAfter(cert))};
}

void check_dates(X509* cert, sys_seconds now) {
    const Validity v = validity_of(cert);
    if (now < v.not_before) {
        fail(Exit::refused, "certificate-not-yet-valid", "the certificate is valid only from {} (until {}); it is now {}",
             iso(v.not_before), iso(v.not_after), iso(now));
    }
    if (now > v.not_after) {
        fail(Exit::refused, "certificate-expired", "the certificate expired at {} (valid from {}); it is now {}",
             iso(v.not_after), iso(v.not_before), iso(now));
    }
}

// The identity an SM2 signature binds is not in the certificate, and OpenSSL 3.0 verifies
// with an empty one unless told otherwise: such chains, signed with the GM/T 0009 default
// identity as CAs do, would fail. The identity belongs to the certificate whose signature
// is checked, so it is set on every SM2-signed certificate that may be in the chain.
void use_sm2_default_id(X509* cert) {
    if (X509_get_signature_nid(cert) != NID_SM2_with_SM3) return;
    Asn1OctetStringPtr id{checked(ASN1_OCTET_STRING_new(), "allocating an SM2 identity")};
    check(ASN1_OCTET_STRING_set(id.get(), reinterpret_cast<const unsigned char*>(sm2_default_id.data()),
                                static_cast<int>(sm2_default_id.size())),
          "setting an SM2 identity");
    X509_set0_distinguishing_id(cert, id.release());  // the certificate owns it from here
}

}  // namespace

std::string certificate_fingerprint(std::string_view pem) {
    const X509Ptr cert = read_certificate(pem);
    return fingerprint_of(cert.get());
}

CertificateInfo inspect_certificate(std::string_view pem) {
    const X509Ptr cert = read_certificate(pem);
    KeyKind kind = classify_key(cert.get());
    const Validity v = validity_of(cert.get());
    return CertificateInfo{fingerprint_of(cert.get()), subject_of(cert.get()), std::move(kind.type), kind.bits,
                           v.not_before, v.not_after};
}

void check_certificate_valid_at(std::string_view pem, sys_seconds now) {
    const X509Ptr cert = read_certificate(pem);
    check_dates(cert.get(), now);
}

void check_certificate_chain(std::string_view pem, const std::filesystem::path& ca_bundle, sys_seconds now) {
    const X509Ptr cert = read_certificate(pem);
    // The customer's own dates first, so that they get their own slugs.
    check_dates(cert.get(), now);

    std::error_code ignored;
    if (!std::filesystem::is_regular_file(ca_bundle, ignored)) {
        fail(Exit::config, "config", "the CA bundle {} is missing or not a regular file", ca_bundle.string());
    }
    const X509StorePtr store{checked(X509_STORE_new(), "creating a certificate store")};
    if (X509_STORE_load_file(store.get(), ca_bundle.c_str()) != 1) {
        ERR_clear_error();
        fail(Exit::config, "config", "the CA bundle {} holds no PEM certificate that can be read",
             ca_bundle.string());
    }
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store.get());
    for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
        if (X509* ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i))) use_sm2_default_id(ca);
    }
    use_sm2_default_id(cert.get());

    const X509StoreCtxPtr ctx{checked(X509_STORE_CTX_new(), "creating a verification context")};
    check(X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr), "starting a chain verification");
    // Judged at the caller's clock (a test store's clock in tests), not the system's.
    X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<std::time_t>(now.time_since_epoch().count()));
    if (X509_verify_cert(ctx.get()) == 1) return;

    const int error = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    const std::string where = depth > 0 ? fmt::format(" (CA certificate {} up the chain)", depth) : std::string();
    fail(Exit::refused, "certificate-untrusted", "the certificate does not chain to a CA in {}: {}{}",
         ca_bundle.string(), X509_verify_cert_error_string(error), where);
}

}  // namespace kunlun
