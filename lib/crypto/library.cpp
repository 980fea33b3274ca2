#include "crypto/library.h"

#include "error.h"

#include <openssl/crypto.h>

namespace kunlun {

void start_crypto_library() {
    if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr) != 1) {
        fail(Exit::internal, "internal", "OpenSSL could not be initialised (check OPENSSL_CONF and the system openssl.cnf)");
    }
}

}  // namespace kunlun
