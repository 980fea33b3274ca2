// libpq, loaded when the first PostgreSQL connection is opened rather than when kunlunctl
// starts. libpq pulls in Kerberos, LDAP, GnuTLS and a dozen more shared libraries whose
// loading and relocation would cost every command, SQLite ones included, a few milliseconds
// at start-up (docs/benchmarks.md, cmd-read); a SQLite store never needs them.
//
// The header's declarations are used as they are (types, enums and each function's exact
// signature through decltype); only the calls go through this table.
#pragma once

#include <libpq-fe.h>

namespace kunlun::pg {

// Every libpq function kunlunctl calls. A function not listed here cannot be called: the
// binary does not link libpq.
#define KUNLUN_LIBPQ_FUNCTIONS(X) \
    X(PQconnectdbParams)          \
    X(PQstatus)                   \
    X(PQerrorMessage)             \
    X(PQfinish)                   \
    X(PQtransactionStatus)        \
    X(PQexec)                     \
    X(PQexecParams)               \
    X(PQprepare)                  \
    X(PQexecPrepared)             \
    X(PQresultStatus)             \
    X(PQresultErrorField)         \
    X(PQresultErrorMessage)       \
    X(PQclear)                    \
    X(PQntuples)                  \
    X(PQnfields)                  \
    X(PQgetvalue)                 \
    X(PQgetlength)                \
    X(PQgetisnull)                \
    X(PQcmdTuples)

struct Libpq {
#define KUNLUN_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
    KUNLUN_LIBPQ_FUNCTIONS(KUNLUN_LIBPQ_MEMBER)
#undef KUNLUN_LIBPQ_MEMBER
};

// The loaded library (by its soname, libpq.so.5, from the libpq5 package), loaded on the
// first call and kept for the life of the process. A library that is missing or lacks a
// function is exit 69 `store-unavailable`, saying what to install.
const Libpq& libpq();

}  // namespace kunlun::pg
