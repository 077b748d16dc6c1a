// libpq from libpq-dev (Debian installs its headers under /usr/include/postgresql).
#include <postgresql/libpq-fe.h>
