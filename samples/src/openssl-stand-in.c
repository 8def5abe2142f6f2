/*
 * openssl-stand-in.c -- plays OpenSSL 1.0's libcrypto.so.1.0.0 and
 * libssl.so.1.0.0 inside the sample bundles.  It is NOT OpenSSL code and
 * does no cryptography: every function is a stub.  It exists so that the
 * libpq stand-in can be linked the way AWS's libpq builds are (DT_NEEDED
 * libssl.so.1.0.0 and libcrypto.so.1.0.0) and so that the bundle, like a
 * real one, carries the version text OpenSSL keeps in its library.
 *
 * Build: see samples/build.sh (-DSTAND_IN_LIBSSL for libssl, else libcrypto).
 */
#define API __attribute__((visibility("default"), noinline, used))

#ifdef STAND_IN_LIBSSL
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
API int SSL_library_init(void) { return 1; }
API SSL_CTX *SSL_CTX_new(const void *method) { (void) method; return 0; }
API int SSL_connect(SSL *ssl) { (void) ssl; return -1; }
API const void *SSLv23_method(void) { return 0; }
#else
static const char version_text[] = "OpenSSL 1.0.2u  20 Dec 2019";
API const char *SSLeay_version(int type) { (void) type; return version_text; }
API unsigned long SSLeay(void) { return 0x1000215fUL; }
API void ERR_clear_error(void) { }
#endif
