#include "crypto/certificate.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "error.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace kunlun {

std::string certificate_fingerprint(std::string_view pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) fail(Exit::internal, "internal", "out of memory reading a certificate");
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) fail(Exit::data, "invalid-certificate", "not a PEM X.509 certificate");
    unsigned char* der = nullptr;
    int len = i2d_X509(cert.get(), &der);
    if (len <= 0) fail(Exit::data, "invalid-certificate", "the certificate cannot be encoded");
    std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(der, [](unsigned char* p) { OPENSSL_free(p); });
    auto digest = sha256(std::span<const unsigned char>(der, static_cast<std::size_t>(len)));
    return to_hex(digest);
}

}  // namespace kunlun
