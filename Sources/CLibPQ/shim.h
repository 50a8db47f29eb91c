#ifndef BATON_CLIBPQ_SHIM_H
#define BATON_CLIBPQ_SHIM_H

// libpq, PostgreSQL's C client (Debian 12 ships 15; pipeline mode needs 14 or later). Swift calls it directly:
// nothing here needs a wrapper.
#include <libpq-fe.h>

#endif
