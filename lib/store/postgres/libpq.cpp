#include "store/postgres/libpq.h"

#include "error.h"

#include <dlfcn.h>

#include <cstring>

#ifndef KUNLUN_LIBPQ_SONAME
#define KUNLUN_LIBPQ_SONAME "libpq.so.5"
#endif

namespace kunlun::pg {
namespace {

[[noreturn]] void unavailable(const char* why) {
    fail(Exit::unavailable, "store-unavailable",
         "the PostgreSQL client library {} cannot be used ({}): install the libpq5 package", KUNLUN_LIBPQ_SONAME,
         why != nullptr ? why : "unknown reason");
}

template <typename Function>
void resolve(void* handle, const char* name, Function& out) {
    void* symbol = ::dlsym(handle, name);
    if (symbol == nullptr) unavailable(::dlerror());
    static_assert(sizeof(out) == sizeof(symbol));
    std::memcpy(&out, &symbol, sizeof(out));  // object pointer to function pointer, as POSIX allows
}

Libpq load() {
    // RTLD_LOCAL: libpq's symbols (and its dependencies') stay out of the global scope.
    void* handle = ::dlopen(KUNLUN_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) unavailable(::dlerror());
    Libpq api;
#define KUNLUN_LIBPQ_RESOLVE(name) resolve(handle, #name, api.name);
    KUNLUN_LIBPQ_FUNCTIONS(KUNLUN_LIBPQ_RESOLVE)
#undef KUNLUN_LIBPQ_RESOLVE
    return api;  // the handle is never closed: connections may live until exit
}

}  // namespace

const Libpq& libpq() {
    static const Libpq api = load();  // a failed load throws, and the next call tries again
    return api;
}

}  // namespace kunlun::pg
