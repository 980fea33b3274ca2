// Signatures made by a customer's e-shield (domain.md §3, §4): a challenge signed with the
// key on the USB token, checked against the certificate the bank registered for it.
//
// What is accepted is what the token tools and the `openssl` command produce:
//   RSA        SHA-256, PKCS#1 v1.5 or PSS (MGF1-SHA-256, any salt length)
//                 openssl dgst -sha256 -sign KEY [-sigopt rsa_padding_mode:pss] -out SIG DATA
//   ECDSA P-256  SHA-256, DER-encoded ECDSA-Sig-Value
//                 openssl dgst -sha256 -sign KEY -out SIG DATA
//   SM2        SM3 with the GM/T 0009 default signer identity "1234567812345678"
//                 openssl dgst -sm3 -sign KEY -sigopt distid:1234567812345678 -out SIG DATA
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace kunlun {

// Whether `signature` is the certificate's key's signature over `data`, by the scheme of the
// key's type above. A wrong or malformed signature is `false`, never an error. A certificate
// that inspect_certificate refuses cannot vouch for anything: it throws that same
// Error(Exit::data, "invalid-certificate"). Validity dates and the chain are not checked
// here (see crypto/certificate.h).
bool verify_signature(std::string_view cert_pem, std::span<const unsigned char> data,
                      std::span<const unsigned char> signature);

// The signature bytes in a signature file, which is either the raw binary signature or the
// same in base64 (text, possibly wrapped over lines, as `openssl base64` writes). A file that
// consists only of base64 characters and whitespace and decodes cleanly is base64; anything
// else is taken as raw. Raw signatures are not mistaken for base64: a DER one (ECDSA, SM2)
// always holds the INTEGER tag byte 0x02, which base64 never uses, and a raw RSA signature is
// random bytes that would all have to be base64 characters by chance (odds below 10^-150).
std::vector<unsigned char> decode_signature_file(std::span<const unsigned char> bytes);

}  // namespace kunlun
