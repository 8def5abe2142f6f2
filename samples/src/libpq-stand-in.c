/*
 * libpq-stand-in.c -- a tiny shared library that *plays* libpq.so.5 inside
 * the rotation-inspector sample bundles.  It is NOT PostgreSQL code and it
 * cannot talk to a server: every function is a trivial stub.  What matters
 * to the inspector is only what a real libpq exposes to an offline reader:
 *
 *   - the SONAME (libpq.so.5) and an AWS-style DT_RUNPATH (set by build.sh),
 *   - a realistic dynamic symbol table,
 *   - int PQlibVersion(void), which returns a compile-time constant
 *     (PG_VERSION_NUM, e.g. 90426 for 9.4.26, 100023 for 10.23).
 *
 * Symbols are only exported for the release that introduced them upstream:
 *   PQsslInUse, PQsslAttribute, PQsslAttributeNames   -> 9.5 and later
 *   PQencryptPasswordConn                              -> 10 and later
 * so the 9.4 build does not export them (it has the older PQgetssl).
 *
 * Build: see samples/build.sh (needs -DPG_VERSION_NUM=<n>).
 */
#include <stddef.h>

#ifndef PG_VERSION_NUM
#error "compile with -DPG_VERSION_NUM=<major*10000+minor> (e.g. 90426 or 100023)"
#endif

/* Exported, never folded into each other, never inlined into a caller. */
#define PQ_API __attribute__((visibility("default"), noinline, used))

/* Opaque handles, as in libpq-fe.h (we never dereference them). */
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef unsigned int Oid;

/* Same numeric values as the public enums; only the ones we return. */
enum { CONNECTION_OK = 0, CONNECTION_BAD = 1 };
enum { PGRES_EMPTY_QUERY = 0, PGRES_FATAL_ERROR = 7 };

static const char stand_in_error[] =
    "libpq stand-in: this library cannot connect to a server\n";
static const char empty[] = "";

/* ---- connection ------------------------------------------------------- */

PQ_API PGconn *PQconnectdb(const char *conninfo)
{
    (void) conninfo;
    return NULL;
}

PQ_API PGconn *PQconnectdbParams(const char *const *keywords,
                                 const char *const *values, int expand_dbname)
{
    (void) keywords; (void) values; (void) expand_dbname;
    return NULL;
}

PQ_API PGconn *PQsetdbLogin(const char *host, const char *port,
                            const char *options, const char *tty,
                            const char *db, const char *user, const char *pwd)
{
    (void) host; (void) port; (void) options; (void) tty;
    (void) db; (void) user; (void) pwd;
    return NULL;
}

PQ_API int PQstatus(const PGconn *conn)
{
    (void) conn;
    return CONNECTION_BAD;
}

PQ_API char *PQerrorMessage(const PGconn *conn)
{
    (void) conn;
    return (char *) stand_in_error;
}

PQ_API void PQfinish(PGconn *conn)
{
    (void) conn;
}

PQ_API void PQreset(PGconn *conn)
{
    (void) conn;
}

PQ_API char *PQparameterStatus(const PGconn *conn, const char *name)
{
    (void) conn; (void) name;
    return NULL;
}

PQ_API int PQprotocolVersion(const PGconn *conn)
{
    (void) conn;
    return 3;
}

PQ_API int PQserverVersion(const PGconn *conn)
{
    (void) conn;
    return 0;
}

PQ_API int PQbackendPID(const PGconn *conn)
{
    (void) conn;
    return -1;
}

PQ_API int PQsetClientEncoding(PGconn *conn, const char *encoding)
{
    (void) conn; (void) encoding;
    return -1;
}

/* ---- queries ---------------------------------------------------------- */

PQ_API PGresult *PQexec(PGconn *conn, const char *query)
{
    (void) conn; (void) query;
    return NULL;
}

PQ_API PGresult *PQexecParams(PGconn *conn, const char *command, int nParams,
                              const Oid *paramTypes,
                              const char *const *paramValues,
                              const int *paramLengths, const int *paramFormats,
                              int resultFormat)
{
    (void) conn; (void) command; (void) nParams; (void) paramTypes;
    (void) paramValues; (void) paramLengths; (void) paramFormats;
    (void) resultFormat;
    return NULL;
}

PQ_API PGresult *PQprepare(PGconn *conn, const char *stmtName,
                           const char *query, int nParams,
                           const Oid *paramTypes)
{
    (void) conn; (void) stmtName; (void) query; (void) nParams;
    (void) paramTypes;
    return NULL;
}

PQ_API int PQresultStatus(const PGresult *res)
{
    return res ? PGRES_EMPTY_QUERY : PGRES_FATAL_ERROR;
}

PQ_API char *PQresultErrorMessage(const PGresult *res)
{
    (void) res;
    return (char *) stand_in_error;
}

PQ_API void PQclear(PGresult *res)
{
    (void) res;
}

PQ_API int PQntuples(const PGresult *res)
{
    (void) res;
    return 0;
}

PQ_API int PQnfields(const PGresult *res)
{
    (void) res;
    return 0;
}

PQ_API char *PQfname(const PGresult *res, int field_num)
{
    (void) res; (void) field_num;
    return NULL;
}

PQ_API Oid PQftype(const PGresult *res, int field_num)
{
    (void) res; (void) field_num;
    return 0;
}

PQ_API char *PQgetvalue(const PGresult *res, int tup_num, int field_num)
{
    (void) res; (void) tup_num; (void) field_num;
    return (char *) empty;
}

PQ_API int PQgetisnull(const PGresult *res, int tup_num, int field_num)
{
    (void) res; (void) tup_num; (void) field_num;
    return 1;
}

PQ_API char *PQcmdTuples(PGresult *res)
{
    (void) res;
    return (char *) empty;
}

/* ---- escaping / memory ------------------------------------------------ */

PQ_API char *PQescapeLiteral(PGconn *conn, const char *str, size_t len)
{
    (void) conn; (void) str; (void) len;
    return NULL;
}

PQ_API char *PQescapeIdentifier(PGconn *conn, const char *str, size_t len)
{
    (void) conn; (void) str; (void) len;
    return NULL;
}

PQ_API void PQfreemem(void *ptr)
{
    (void) ptr;
}

PQ_API char *PQencryptPassword(const char *passwd, const char *user)
{
    (void) passwd; (void) user;
    return NULL;
}

#if PG_VERSION_NUM >= 100000
/* First appeared in libpq 10 (together with SCRAM-SHA-256 support). */
PQ_API char *PQencryptPasswordConn(PGconn *conn, const char *passwd,
                                   const char *user, const char *algorithm)
{
    (void) conn; (void) passwd; (void) user; (void) algorithm;
    return NULL;
}
#endif

/* ---- TLS -------------------------------------------------------------- */

PQ_API void *PQgetssl(PGconn *conn)
{
    (void) conn;
    return NULL;
}

#if PG_VERSION_NUM >= 90500
PQ_API int PQsslInUse(PGconn *conn)
{
    (void) conn;
    return 0;
}

PQ_API const char *PQsslAttribute(PGconn *conn, const char *attribute_name)
{
    (void) conn; (void) attribute_name;
    return NULL;
}

PQ_API const char *const *PQsslAttributeNames(PGconn *conn)
{
    static const char *const none[] = { NULL };
    (void) conn;
    return none;
}
#endif

/* ---- version ---------------------------------------------------------- */

PQ_API int PQlibVersion(void)
{
    return PG_VERSION_NUM;
}
