#ifndef NIGHTSHIFT_CCURL_SHIM_H
#define NIGHTSHIFT_CCURL_SHIM_H
#include <curl/curl.h>

/* Swift cannot call C variadic functions: typed wrappers for curl_easy_setopt / getinfo. */
static inline CURLcode nightshift_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nightshift_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nightshift_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nightshift_curl_setopt_write(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode nightshift_curl_setopt_header(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
}
static inline CURLcode nightshift_curl_setopt_read(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, f);
}
static inline CURLcode nightshift_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nightshift_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nightshift_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
/* CURL_GLOBAL_ALL is a macro expression Swift does not import. */
static inline CURLcode nightshift_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }
static inline CURLcode nightshift_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }

/* The result of the one finished transfer on a multi handle, without touching CURLMsg's union from Swift.
   Returns 1 and stores the result when a transfer is done, 0 when none is. */
static inline int nightshift_curl_multi_done(CURLM *m, CURLcode *result) {
    int pending = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &pending)) != NULL) {
        if (msg->msg == CURLMSG_DONE) { *result = msg->data.result; return 1; }
    }
    return 0;
}
#endif
