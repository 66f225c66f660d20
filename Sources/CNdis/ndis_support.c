/* The parts of ndis.h that live in C: DbgPrint (output is not part of a run's verdict, so
 * it goes nowhere), NdisZeroMemory, and the world of the simulation running on this OS thread. */
#define _GNU_SOURCE 1
#define CSIM_NO_CALL_SITES 1
#include <dlfcn.h>
#include "ndis_imports.h"
#include <string.h>

ULONG DbgPrint(const char *Format, ...) {
    (void)Format;
    return 0;
}

VOID NdisZeroMemory(PVOID Destination, ULONG Length) {
    memset(Destination, 0, Length);
}

VOID NdisMoveMemory(PVOID Destination, const void *Source, ULONG Length) {
    memmove(Destination, Source, Length);
}

static _Thread_local void *current_world;

void *csim_current_world(void) { return current_world; }

/* The last call site noted on this OS thread: the bridge reads it as the call enters it,
 * before any other simulated thread can run. */
static _Thread_local CSIM_SITE last_site;

void csim_note_site(const char *File, int Line, const char *Function) {
    last_site.File = File;
    last_site.Line = Line;
    last_site.Function = Function;
}

CSIM_SITE csim_last_site(void) {
    CSIM_SITE s = last_site;
    last_site.File = NULL;
    return s;
}
void csim_set_current_world(void *world) { current_world = world; }

const char *csim_host_import_names(void) { return CSIM_NDIS_IMPORT_LIST(CSIM_IMPORT_NAME); }

const char *csim_image_path(const void *Address) {
    Dl_info Info;
    return dladdr(Address, &Info) != 0 ? Info.dli_fname : NULL;
}
