#ifndef NIGHTSHIFT_CLIBPQ_SHIM_H
#define NIGHTSHIFT_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
