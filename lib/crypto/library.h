// OpenSSL's start-up, as kunlunctl wants it.
#pragma once

namespace kunlun {

// Initialises libcrypto as it would initialise itself on first use (the system's
// openssl.cnf is read: a site's provider and FIPS settings apply), except that it registers
// no exit handler: a short-lived command does not spend its last fraction of a millisecond
// freeing OpenSSL's tables one by one when the process is about to end anyway. Call once,
// first thing in main; a program that does not call it gets OpenSSL's defaults.
void start_crypto_library();

}  // namespace kunlun
