/*
 * pg-extension-stand-in.c -- plays the PyGreSQL C extension
 * (_pg.cpython-39-x86_64-linux-gnu.so) in the rotation-inspector samples.
 * It is not PyGreSQL code and is not a working Python module: it only has
 * the shape an offline reader cares about -- an ELF shared object whose
 * DT_NEEDED list contains libpq.so.5 because it calls into libpq, and the
 * PyInit__pg entry point CPython would look up.
 */
#include <stddef.h>

typedef struct pg_conn PGconn;
typedef struct _object PyObject;

extern int PQlibVersion(void);
extern PGconn *PQconnectdb(const char *conninfo);
extern int PQstatus(const PGconn *conn);
extern void PQfinish(PGconn *conn);

/* Mirrors pg.get_libpq_version() in spirit. */
__attribute__((visibility("default"), noinline))
int _pg_stand_in_libpq_version(void)
{
    return PQlibVersion();
}

/* Mirrors pg.connect() in spirit: 0 on success, -1 otherwise. */
__attribute__((visibility("default"), noinline))
int _pg_stand_in_connect(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    int ok = PQstatus(conn) == 0;
    PQfinish(conn);
    return ok ? 0 : -1;
}

/* A real extension would build and return a module object here. */
__attribute__((visibility("default")))
PyObject *PyInit__pg(void)
{
    (void) _pg_stand_in_libpq_version();
    return NULL;
}
