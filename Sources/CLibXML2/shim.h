#ifndef NIGHTSHIFT_CLIBXML2_SHIM_H
#define NIGHTSHIFT_CLIBXML2_SHIM_H
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a global function-pointer variable, which Swift 6 rejects as shared mutable state.
static inline void nightshift_xmlFree(void *p) { xmlFree(p); }

/// Silences libxml2's default error printing to stderr (a broken page is normal input, not noise).
static void nightshift_xml_ignore_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void nightshift_xml_silence(void) {
    xmlSetGenericErrorFunc(NULL, nightshift_xml_ignore_error);
}
#endif
