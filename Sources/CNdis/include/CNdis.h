/* The module's umbrella: what the bridge imports. */
#include "ndis.h"
#include "ndis_imports.h"
