#ifndef NIGHTSHIFT_CLIBXML2_SHIM_H
#define NIGHTSHIFT_CLIBXML2_SHIM_H
/* Debian's libxml2 is built with ICU, and its encoding.h would include the system's <unicode/ucnv.h>, whose
   UErrorCode clashes with the ICU that Foundation bundles. Nightshift never touches libxml2's ICU converter
   fields, so hide them. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
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

/// Initialises libxml2 once and silences error printing for threads created from now on as well
/// (libxml2 keeps its error handler per thread).
static inline void nightshift_xml_initialize(void) {
    xmlInitParser();
    xmlThrDefSetGenericErrorFunc(NULL, nightshift_xml_ignore_error);
    xmlSetGenericErrorFunc(NULL, nightshift_xml_ignore_error);
}

/// The value of an attribute when it is a single text node (the common case), without copying; NULL otherwise.
static inline const xmlChar *nightshift_xml_attr_simple_value(const xmlAttr *attr) {
    if (attr == NULL || attr->children == NULL) return NULL;
    if (attr->children->next != NULL || attr->children->type != XML_TEXT_NODE) return NULL;
    return attr->children->content;
}
#endif
