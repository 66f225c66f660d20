/* The project's own C drivers (Sources/CDriverSources): each one's DriverEntry, renamed so
 * several can link into one binary (Scripts/c-driver.sh does the same for a user's driver). */
#ifndef NDIS_SIM_CDRIVERS_H
#define NDIS_SIM_CDRIVERS_H
#include "ndis.h"

/* A global of a C driver linked into ndis-sim (not loaded from a library, which gets fresh
 * globals each run): one copy per OS thread, and a run executes whole on one OS thread, so runs
 * side by side do not share it. DriverEntry must set every one: a thread's next run finds the
 * values its last run left. */
#define CSIM_DRIVER_GLOBAL static _Thread_local

/* A correct pass-through filter: forwards in Running, completes sends with NDIS_STATUS_PAUSED
 * and returns receives otherwise, under one lock with its state. */
NTSTATUS CPassthru_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
/* A correct filter that passes traffic through and originates frames for user processes (its
 * control device's writes), draining them on pause: the C twin of the Swift reference filter. */
NTSTATUS CReference_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
/* The pass-through whose FilterPause calls NdisFPauseComplete and then returns SUCCESS (ST-04's twin). */
NTSTATUS CCanaryST04_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
/* The pass-through whose FilterRestart calls NdisFRestartComplete and then returns SUCCESS (ST-05's twin). */
NTSTATUS CCanaryST05_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
/* The pass-through whose FilterDetach waits forever on an event nobody sets (ST-07's twin). */
NTSTATUS CCanaryST07_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
/* The pass-through that completes each send upward right after forwarding it (SND-06's twin). */
NTSTATUS CCanarySND06_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

/* c_reference.c with one flaw each (c_canary_<rule>.c): the C twins of the Swift canaries. */
NTSTATUS CCanaryST02_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryST03_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryST06_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryST08_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanarySND01_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanarySND02_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanarySND03_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanarySND04_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanarySND05_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanarySND07_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV01_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV02_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV03_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV04_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV05_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV06_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV07_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryRCV08_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryNBL01_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryNBL03_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPOOL01_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPOOL02_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPQ01_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPQ02_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPQ03_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPQ04_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryPQ05_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryLIVE01_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryLIVE03_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryLIVE05_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS CCanaryLIVE06_DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

#endif
