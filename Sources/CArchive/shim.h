#ifndef NIGHTSHIFT_CARCHIVE_SHIM_H
#define NIGHTSHIFT_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
